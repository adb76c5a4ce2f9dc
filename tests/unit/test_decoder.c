/* Direct decode() checks: instruction lengths and pre-extracted operand
 * fields for the forms that are easy to get wrong. Every byte string is
 * commented with its disassembly (checked with ndisasm -b16/-b32). */
#include "tests/unit/harness.h"

#include "cpu/decode.h"

typedef struct {
  const char *bytes;
  int n;
  bool code32;
  int len;
  const char *text;
} LenCase;

#define B(s) s, (int)(sizeof(s) - 1)

static void decode_ok(Insn *in, const char *bytes, int n, bool code32, const char *text) {
  decode_init();
  int r = decode(in, (const uint8_t *)bytes, n, code32);
  cr_assert_eq(r, DECODE_OK, "%s: decode returned %d", text, r);
}

Test(decoder, lengths) {
  static const LenCase t[] = {
    /* 16-bit ModRM: mod 00 rm 110 is a bare disp16 */
    {B("\x8B\x1E\x34\x12"), false, 4, "mov bx,[0x1234]"},
    {B("\x8B\x07"), false, 2, "mov ax,[bx]"},
    {B("\x8B\x46\xFE"), false, 3, "mov ax,[bp-0x2]"},
    {B("\x8B\x86\x34\x12"), false, 4, "mov ax,[bp+0x1234]"},
    {B("\xC7\x06\x34\x12\x78\x56"), false, 6, "mov word [0x1234],0x5678"},
    {B("\xC7\x46\x02\x78\x56"), false, 5, "mov word [bp+0x2],0x5678"},
    /* 32-bit ModRM/SIB */
    {B("\x8B\x04\x8D\x78\x56\x34\x12"), true, 7, "mov eax,[ecx*4+0x12345678]"},
    {B("\x8B\x44\x8D\x10"), true, 4, "mov eax,[ebp+ecx*4+0x10]"},
    {B("\x8B\x84\x8D\x78\x56\x34\x12"), true, 7, "mov eax,[ebp+ecx*4+0x12345678]"},
    {B("\x8B\x04\x24"), true, 3, "mov eax,[esp]"},
    {B("\x8B\x05\x78\x56\x34\x12"), true, 6, "mov eax,[0x12345678]"},
    {B("\x8B\x45\x00"), true, 3, "mov eax,[ebp+0x0]"},
    {B("\xC7\x04\x24\x78\x56\x34\x12"), true, 7, "mov dword [esp],0x12345678"},
    {B("\xC7\x05\x78\x56\x34\x12\x01\x00\x00\x00"), true, 10, "mov dword [0x12345678],0x1"},
    {B("\x81\x84\x8D\x78\x56\x34\x12\xEF\xCD\xAB\x89"), true, 11, "add dword [ebp+ecx*4+0x12345678],0x89abcdef"},
    /* 0x67 switches the addressing form both ways */
    {B("\x67\x8B\x03"), false, 3, "mov ax,[ebx]"},
    {B("\x67\x8B\x04\x24"), false, 4, "mov ax,[esp]"},
    {B("\x67\x8B\x80\x78\x56\x34\x12"), false, 7, "mov ax,[eax+0x12345678]"},
    {B("\x67\x8B\x46\x10"), true, 4, "mov eax,[bp+0x10]"},
    {B("\x67\x8B\x1E\x34\x12"), true, 5, "mov ebx,[0x1234]"},
    /* 0x66 switches immediate sizes both ways */
    {B("\xB8\x34\x12"), false, 3, "mov ax,0x1234"},
    {B("\x66\xB8\x78\x56\x34\x12"), false, 6, "mov eax,0x12345678"},
    {B("\x66\xB8\x34\x12"), true, 4, "mov ax,0x1234"},
    {B("\x81\xC3\x34\x12"), false, 4, "add bx,0x1234"},
    {B("\x66\x81\xC3\x78\x56\x34\x12"), false, 7, "add ebx,0x12345678"},
    {B("\x66\x05\x78\x56\x34\x12"), false, 6, "add eax,0x12345678"},
    {B("\x66\x83\xC3\xFF"), false, 4, "add ebx,byte -0x1"},
    {B("\x68\x34\x12"), false, 3, "push word 0x1234"},
    {B("\x66\x68\x78\x56\x34\x12"), false, 6, "push dword 0x12345678"},
    {B("\x69\xC3\x34\x12"), false, 4, "imul ax,bx,0x1234"},
    {B("\x66\x69\xC3\x78\x56\x34\x12"), false, 7, "imul eax,ebx,0x12345678"},
    {B("\x6B\xC3\xFF"), false, 3, "imul ax,bx,byte -0x1"},
    /* the group's reg field decides whether there is an immediate */
    {B("\xF6\xC3\x01"), false, 3, "test bl,0x1"},
    {B("\xF6\xD3"), false, 2, "not bl"},
    {B("\xF7\xC3\x34\x12"), false, 4, "test bx,0x1234"},
    {B("\x66\xF7\xC3\x78\x56\x34\x12"), false, 7, "test ebx,0x12345678"},
    {B("\xF7\xE3"), false, 2, "mul bx"},
    {B("\xF7\x06\x34\x12\x78\x56"), false, 6, "test word [0x1234],0x5678"},
    {B("\xC1\xE0\x05"), false, 3, "shl ax,byte 0x5"},
    {B("\xD1\xE0"), false, 2, "shl ax,1"},
    {B("\x0F\xBA\xE0\x05"), false, 4, "bt ax,byte 0x5"},
    {B("\x0F\xA4\xD8\x04"), false, 4, "shld ax,bx,0x4"},
    {B("\x0F\xA5\xD8"), false, 3, "shld ax,bx,cl"},
    /* moffs: the offset size follows the address size, not the operand size */
    {B("\xA1\x34\x12"), false, 3, "mov ax,[0x1234]"},
    {B("\x66\xA1\x34\x12"), false, 4, "mov eax,[0x1234]"},
    {B("\x67\xA1\x78\x56\x34\x12"), false, 6, "mov ax,[dword 0x12345678]"},
    {B("\xA0\x78\x56\x34\x12"), true, 5, "mov al,[0x12345678]"},
    {B("\x67\xA0\x34\x12"), true, 4, "mov al,[word 0x1234]"},
    /* ENTER: imm16 then imm8 whatever the sizes */
    {B("\xC8\x10\x00\x03"), false, 4, "enter 0x10,0x3"},
    {B("\x66\xC8\x10\x00\x03"), false, 5, "o32 enter 0x10,0x3"},
    {B("\xC8\x10\x00\x03"), true, 4, "enter 0x10,0x3"},
    /* RET imm16 is always 16 bits */
    {B("\xC2\x08\x00"), false, 3, "ret 0x8"},
    {B("\x66\xC2\x08\x00"), false, 4, "o32 ret 0x8"},
    {B("\xCA\x08\x00"), true, 3, "retf 0x8"},
    /* far pointers: offset of operand size, then a selector */
    {B("\xEA\x78\x56\x34\x12"), false, 5, "jmp 0x1234:0x5678"},
    {B("\x66\xEA\x78\x56\x34\x12\xCD\xAB"), false, 8, "jmp dword 0xabcd:0x12345678"},
    {B("\x9A\x78\x56\x34\x12"), false, 5, "call 0x1234:0x5678"},
    {B("\x9A\x78\x56\x34\x12\xCD\xAB"), true, 7, "call 0xabcd:0x12345678"},
    {B("\x66\x9A\x78\x56\x34\x12"), true, 6, "call word 0x1234:0x5678"},
    /* relative branches */
    {B("\xEB\xFE"), false, 2, "jmp short $"},
    {B("\xE8\x00\x00"), false, 3, "call 0x3"},
    {B("\x66\xE8\x00\x00\x00\x00"), false, 6, "call dword 0x6"},
    {B("\xE9\x00\x00\x00\x00"), true, 5, "jmp 0x5"},
    {B("\x0F\x84\x00\x00"), false, 4, "jz near 0x4"},
    {B("\x66\x0F\x84\x00\x00\x00\x00"), false, 7, "jz dword 0x7"},
    {B("\xE3\x00"), false, 2, "jcxz 0x2"},
    /* prefixes: segment, REP, LOCK all count */
    {B("\x26\x8B\x07"), false, 3, "mov ax,[es:bx]"},
    {B("\xF3\xA4"), false, 2, "rep movsb"},
    {B("\xF0\x01\x07"), false, 3, "lock add [bx],ax"},
    {B("\x26\x66\x67\xF3\xA5"), false, 5, "rep movsd (es, a32)"},
    /* other two-byte opcodes */
    {B("\x0F\xB6\xC3"), false, 3, "movzx ax,bl"},
    {B("\x0F\xC7\x0E\x34\x12"), false, 5, "cmpxchg8b [0x1234]"},
    {B("\x0F\xA2"), false, 2, "cpuid"},
    {B("\x0F\x31"), false, 2, "rdtsc"},
    {B("\x0F\xC8"), true, 2, "bswap eax"},
    {B("\x0F\x0B"), false, 2, "ud2"},
    {B("\xD4\x0A"), false, 2, "aam"},
    {B("\xCD\x21"), false, 2, "int 0x21"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    Insn in;
    decode_ok(&in, t[i].bytes, t[i].n, t[i].code32, t[i].text);
    cr_expect_eq(in.len, t[i].len, "%s (%s code): length expected %d, got %d", t[i].text,
                 t[i].code32 ? "32-bit" : "16-bit", t[i].len, in.len);
  }
}

Test(decoder, modrm16_fields) {
  Insn in;
  decode_ok(&in, B("\x8B\x1E\x34\x12"), false, "mov bx,[0x1234]");
  CHECK_EQ("disp", in.disp, 0x1234);
  CHECK_EQ("base", in.base, REG_ZERO);
  CHECK_EQ("index", in.index, REG_ZERO);
  CHECK_EQ("seg", in.seg, SEG_DS);
  CHECK_EQ("reg", in.reg, EBX);
  CHECK_EQ("size", in.size, 2);
  CHECK_EQ("a32", in.a32, 0);

  decode_ok(&in, B("\x8B\x46\xFE"), false, "mov ax,[bp-0x2]");
  CHECK_EQ("disp (sign-extended disp8)", in.disp, 0xFFFFFFFE);
  CHECK_EQ("base", in.base, EBP);
  CHECK_EQ("seg (BP defaults to SS)", in.seg, SEG_SS);

  decode_ok(&in, B("\x8B\x42\x10"), false, "mov ax,[bp+si+0x10]");
  CHECK_EQ("base", in.base, EBP);
  CHECK_EQ("index", in.index, ESI);
  CHECK_EQ("seg", in.seg, SEG_SS);

  decode_ok(&in, B("\x8B\x81\x00\x80"), false, "mov ax,[bx+di-0x8000]");
  CHECK_EQ("base", in.base, EBX);
  CHECK_EQ("index", in.index, EDI);
  CHECK_EQ("disp (sign-extended disp16)", in.disp, 0xFFFF8000);
  CHECK_EQ("seg", in.seg, SEG_DS);

  decode_ok(&in, B("\x3E\x8B\x46\x00"), false, "mov ax,[ds:bp+0x0]");
  CHECK_EQ("seg (override)", in.seg, SEG_DS);
  CHECK_EQ("segovr", in.segovr, 1);

  decode_ok(&in, B("\x8B\xC3"), false, "mov ax,bx");
  CHECK_EQ("mod", in.mod, 3);
  CHECK_EQ("rm", in.rm, EBX);
  CHECK_EQ("reg", in.reg, EAX);
}

Test(decoder, sib_fields) {
  Insn in;
  decode_ok(&in, B("\x8B\x04\x8D\x78\x56\x34\x12"), true, "mov eax,[ecx*4+0x12345678]");
  CHECK_EQ("base (SIB base 101, mod 00: none)", in.base, REG_ZERO);
  CHECK_EQ("index", in.index, ECX);
  CHECK_EQ("scale", in.scale, 2);
  CHECK_EQ("disp", in.disp, 0x12345678);
  CHECK_EQ("seg", in.seg, SEG_DS);
  CHECK_EQ("a32", in.a32, 1);

  decode_ok(&in, B("\x8B\x44\x8D\x10"), true, "mov eax,[ebp+ecx*4+0x10]");
  CHECK_EQ("base", in.base, EBP);
  CHECK_EQ("index", in.index, ECX);
  CHECK_EQ("seg (EBP base: SS)", in.seg, SEG_SS);
  CHECK_EQ("disp", in.disp, 0x10);

  decode_ok(&in, B("\x8B\x04\x24"), true, "mov eax,[esp]");
  CHECK_EQ("base", in.base, ESP);
  CHECK_EQ("index (100: none)", in.index, REG_ZERO);
  CHECK_EQ("seg (ESP base: SS)", in.seg, SEG_SS);

  decode_ok(&in, B("\x8B\x04\x6B"), true, "mov eax,[ebx+ebp*2]");
  CHECK_EQ("base", in.base, EBX);
  CHECK_EQ("index", in.index, EBP);
  CHECK_EQ("scale", in.scale, 1);
  CHECK_EQ("seg (EBP as index keeps DS)", in.seg, SEG_DS);

  decode_ok(&in, B("\x8B\x05\x78\x56\x34\x12"), true, "mov eax,[0x12345678]");
  CHECK_EQ("base (rm 101, mod 00: disp32 only)", in.base, REG_ZERO);
  CHECK_EQ("index", in.index, REG_ZERO);
  CHECK_EQ("disp", in.disp, 0x12345678);

  decode_ok(&in, B("\x8B\x43\x80"), true, "mov eax,[ebx-0x80]");
  CHECK_EQ("disp (sign-extended disp8)", in.disp, 0xFFFFFF80);
}

Test(decoder, immediates_and_sizes) {
  Insn in;
  decode_ok(&in, B("\x66\xB8\x78\x56\x34\x12"), false, "mov eax,0x12345678");
  CHECK_EQ("size", in.size, 4);
  CHECK_EQ("imm", in.imm, 0x12345678);

  decode_ok(&in, B("\x66\xB8\x34\x12"), true, "mov ax,0x1234");
  CHECK_EQ("size", in.size, 2);
  CHECK_EQ("imm", in.imm, 0x1234);

  decode_ok(&in, B("\x66\x6A\xFF"), false, "push dword -0x1");
  CHECK_EQ("imm (I_SB sign-extended)", in.imm, 0xFFFFFFFF);
  CHECK_EQ("size", in.size, 4);

  decode_ok(&in, B("\x83\xC3\x80"), false, "add bx,byte -0x80");
  CHECK_EQ("imm", in.imm, 0xFFFFFF80);

  decode_ok(&in, B("\x80\xC3\x80"), false, "add bl,0x80");
  CHECK_EQ("size", in.size, 1);

  decode_ok(&in, B("\xC8\x10\x00\x03"), false, "enter 0x10,0x3");
  CHECK_EQ("imm (frame size)", in.imm, 0x10);
  CHECK_EQ("imm2 (level)", in.imm2, 3);

  decode_ok(&in, B("\x66\xEA\x78\x56\x34\x12\xCD\xAB"), false, "jmp dword 0xabcd:0x12345678");
  CHECK_EQ("imm (offset)", in.imm, 0x12345678);
  CHECK_EQ("imm2 (selector)", in.imm2, 0xABCD);

  decode_ok(&in, B("\xEA\x78\x56\x34\x12"), false, "jmp 0x1234:0x5678");
  CHECK_EQ("imm (offset)", in.imm, 0x5678);
  CHECK_EQ("imm2 (selector)", in.imm2, 0x1234);

  decode_ok(&in, B("\x67\xA1\x78\x56\x34\x12"), false, "mov ax,[dword 0x12345678]");
  CHECK_EQ("disp (moffs32)", in.disp, 0x12345678);
  CHECK_EQ("a32", in.a32, 1);

  decode_ok(&in, B("\x66\xA1\x34\x12"), false, "mov eax,[0x1234]");
  CHECK_EQ("disp (moffs16)", in.disp, 0x1234);
  CHECK_EQ("size", in.size, 4);

  decode_ok(&in, B("\xF6\xC3\x7F"), false, "test bl,0x7f");
  CHECK_EQ("imm", in.imm, 0x7F);

  decode_ok(&in, B("\x0F\xB7\xC3"), true, "movzx eax,bx");
  CHECK_EQ("op", in.op, 0x1B7);
}

Test(decoder, prefixes) {
  Insn in;
  decode_ok(&in, B("\xF2\xF3\xA4"), false, "rep movsb (F2 then F3)");
  CHECK_EQ("rep (the last of F2/F3 wins)", in.rep, 0xF3);
  decode_ok(&in, B("\xF3\xF2\xA6"), false, "repne cmpsb (F3 then F2)");
  CHECK_EQ("rep", in.rep, 0xF2);
  decode_ok(&in, B("\x26\x64\x8B\x07"), false, "mov ax,[fs:bx] (ES then FS)");
  CHECK_EQ("seg (the last override wins)", in.seg, SEG_FS);
  decode_ok(&in, B("\xF0\x01\x07"), false, "lock add [bx],ax");
  CHECK_EQ("lock", in.lock, 1);
  cr_expect(in.fn != op_ud, "LOCK ADD [mem] must be allowed");
}

Test(decoder, invalid_forms_decode_to_ud) {
  Insn in;
  decode_ok(&in, B("\xF0\x01\xD8"), false, "lock add ax,bx");
  cr_expect(in.fn == op_ud, "LOCK with a register destination must decode to #UD");
  decode_ok(&in, B("\xF0\x89\x07"), false, "lock mov [bx],ax");
  cr_expect(in.fn == op_ud, "LOCK MOV must decode to #UD");
  decode_ok(&in, B("\x8D\xC3"), false, "lea ax,bx");
  cr_expect(in.fn == op_ud, "LEA with a register operand must decode to #UD");
  decode_ok(&in, B("\x0F\xC7\xC8"), false, "cmpxchg8b eax");
  cr_expect(in.fn == op_ud, "CMPXCHG8B with a register operand must decode to #UD");
  decode_ok(&in, B("\x0F\x0B"), false, "ud2");
  cr_expect(in.fn == op_ud, "UD2 must decode to #UD");
  cr_expect(in.dflags & D_END, "#UD ends the block");
  decode_ok(&in, B("\xFF\xF8"), false, "FF /7");
  cr_expect(in.fn == op_ud, "FF /7 must decode to #UD");
}

Test(decoder, length_limit_and_truncation) {
  decode_init();
  Insn in;
  /* 14 x ES + ADD AL, 1 = 16 bytes: too long */
  uint8_t buf[32];
  for (int i = 0; i < 14; i++) buf[i] = 0x26;
  buf[14] = 0x04; /* add al, 1 */
  buf[15] = 0x01;
  cr_expect_eq(decode(&in, buf, 16, false), DECODE_TOO_LONG, "16-byte instruction");
  /* 13 x ES + ADD AL, 1 = 15 bytes: fine */
  cr_expect_eq(decode(&in, buf + 1, 15, false), DECODE_OK, "15-byte instruction");
  CHECK_EQ("15-byte length", in.len, 15);
  /* 16 prefixes: too long even with more bytes available */
  for (int i = 0; i < 16; i++) buf[i] = 0x66;
  buf[16] = 0x90;
  cr_expect_eq(decode(&in, buf, 17, false), DECODE_TOO_LONG, "16 prefixes");
  /* truncated input asks for more */
  static const uint8_t part[] = {0x66, 0xB8, 0x78, 0x56}; /* mov eax, 0x????5678 (cut) */
  cr_expect_eq(decode(&in, part, 4, false), DECODE_MORE, "truncated immediate");
  static const uint8_t part2[] = {0x8B, 0x1E, 0x34}; /* mov bx, [0x??34] (cut) */
  cr_expect_eq(decode(&in, part2, 3, false), DECODE_MORE, "truncated disp16");
  static const uint8_t part3[] = {0x0F}; /* two-byte escape alone */
  cr_expect_eq(decode(&in, part3, 1, false), DECODE_MORE, "lone 0F");
}
