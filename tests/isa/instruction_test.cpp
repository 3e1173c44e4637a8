// SPDX-License-Identifier: Apache-2.0
// Does the encoding of docs/isa.md hold: exact bits, lossless round trips, strict decoding?
#include "isa/instruction.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "isa/assembler.h"

namespace serrano::isa {
namespace {

using Words = std::array<std::uint64_t, 2>;

// A random valid instruction: every operand uniform in its range (a quarter of the time at an
// end of it), random flags among those the queue allows.
Instruction random_instruction(std::mt19937_64& rng) {
  const std::vector<Form>& all = forms();
  const Form& form = all[rng() % all.size()];
  Instruction inst = make_instruction(form);
  for (const OperandField& f : form.fields) {
    const OperandInfo& oi = info(f.operand);
    const auto span = std::uint64_t(oi.max - oi.min) + 1;
    std::int64_t v = oi.min + std::int64_t(rng() % span);
    switch (rng() % 8) {
      case 0: v = oi.min; break;
      case 1: v = oi.max; break;
      default: break;
    }
    set_operand(inst, f.operand, v);
  }
  if (form.has_accumulate) inst.accumulate = rng() % 2 == 1;
  for (bool* flag :
       {&inst.deps.pop_prev, &inst.deps.pop_next, &inst.deps.push_prev, &inst.deps.push_next}) {
    *flag = rng() % 2 == 1;
    if (!check_deps(form, inst.deps).empty()) *flag = false;
  }
  return inst;
}

Instruction parse_one(const std::string& line) {
  const Program p = assemble(line + "\n", "t.sasm");
  EXPECT_EQ(p.code.size(), 1u);
  return p.code.at(0);
}

template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- Golden encodings, computed by hand from the tables of docs/isa.md ----

TEST(IsaEncoding, GoldenLoadQp) {
  // opcode 1 | push_next 1<<7 (0x80) | func mem=qp 3<<8 (0x300) | a=0 | rows 1<<32 |
  // bytes 192<<48 (0xc0 << 48)                                      -> w0 = 0x00c0'0001'0000'0381
  // dram 0x2000 | stride 192<<40 (0xc0 << 40)                      -> w1 = 0x0000'c000'0000'2000
  const Instruction inst =
      parse_one("load.qp row=0 rows=1 bytes=192 dram=0x2000 stride=192 push_next");
  EXPECT_EQ(encode(inst), (Words{0x00c0000100000381ull, 0x0000c00000002000ull}));
}

TEST(IsaEncoding, GoldenRequantWithNegativeInt8) {
  // w0: opcode 5 | push_next 0x80 | a = acc 5<<12 (0x5000) | rows 16<<32  = 0x0000'0010'0000'5085
  // w1: sp 16 (0x10) | qp 3<<20 (0x30'0000) | zp -1 = 0xff<<28 (0xf'f000'0000)
  //     | min -128 = 0x80<<36 (0x800'0000'0000) | max 127 = 0x7f<<44 (0x7'f000'0000'0000)
  //                                                                         = 0x0007'f80f'f030'0010
  const Instruction inst =
      parse_one("requant acc=5 rows=16 sp=16 qp=3 zp=-1 min=-128 max=127 push_next");
  EXPECT_EQ(encode(inst), (Words{0x0000001000005085ull, 0x0007f80ff0300010ull}));
}

TEST(IsaEncoding, GoldenMatmulAccumulate) {
  // w0: opcode 4 | pop_prev 0x10 | push_next 0x80 (= 0x94) | a = sp 0x12345<<12 (0x1234'5000)
  //     | rows 0xffff<<32 | accumulate 1<<48                             = 0x0001'ffff'1234'5094
  // w1: acc 0xfffff in [19:0]                                             = 0x0000'0000'000f'ffff
  const Instruction inst =
      parse_one("matmul sp=0x12345 rows=65535 acc=0xfffff accumulate pop_prev push_next");
  EXPECT_EQ(encode(inst), (Words{0x0001ffff12345094ull, 0x00000000000fffffull}));
  EXPECT_TRUE(inst.accumulate);
  EXPECT_EQ(inst.sp_row, 0x12345u);
  EXPECT_EQ(inst.acc_row, 0xfffffu);
}

TEST(IsaEncoding, GoldenVreluSpAndStoreExtremes) {
  // vrelu.sp: opcode 6 | pop_next 0x20 | func 5<<8 | a = dst 7<<12 | rows 2<<32
  //           | imm -3 = 0xfd<<48                                         = 0x00fd'0002'0000'7526
  //           w1 = a 9                                                    = 9
  EXPECT_EQ(encode(parse_one("vrelu.sp dst=7 a=9 rows=2 imm=-3 pop_next")),
            (Words{0x00fd000200007526ull, 9}));
  // store.acc: opcode 2 | pop_prev 0x10 | push_prev 0x40 | func 2<<8 (= 0x252)
  //            | a 0xfffff<<12 (0xffff'f000) | rows 1<<32 | bytes 0xffff<<48
  //                                                                    = 0xffff'0001'ffff'f252
  //            w1 = dram 0xff'ffff'ffff | stride 0xff'ffff<<40                = all ones
  EXPECT_EQ(encode(parse_one("store.acc row=1048575 rows=1 bytes=65535 dram=0xffffffffff "
                             "stride=16777215 pop_prev push_prev")),
            (Words{0xffff0001fffff252ull, ~0ull}));
  // halt = opcode 15; sync.store pop_prev push_prev = 0x10 | 0x40 | 2<<8
  EXPECT_EQ(encode(parse_one("halt")), (Words{0xf, 0}));
  EXPECT_EQ(encode(parse_one("sync.store pop_prev push_prev")), (Words{0x250, 0}));
}

// ---- Round trips ----

TEST(IsaEncoding, RandomRoundTripEveryForm) {
  std::mt19937_64 rng(20240611);
  std::vector<int> seen(forms().size(), 0);
  for (int i = 0; i < 20000; ++i) {
    const Instruction inst = random_instruction(rng);
    const Words w = encode(inst);
    const Instruction back = decode(w[0], w[1]);
    ASSERT_EQ(back, inst) << to_text(inst);
    ASSERT_EQ(encode(back), w);
    ASSERT_EQ(parse_one(to_text(inst)), inst) << to_text(inst);
    ++seen[std::size_t(&form_of(inst) - forms().data())];
  }
  for (std::size_t f = 0; f < seen.size(); ++f) EXPECT_GT(seen[f], 100) << forms()[f].mnemonic;
}

TEST(IsaEncoding, FieldExtremesRoundTrip) {
  for (const Form& form : forms()) {
    for (int extreme = 0; extreme < 2; ++extreme) {
      Instruction inst = make_instruction(form);
      for (const OperandField& f : form.fields) {
        set_operand(inst, f.operand, extreme ? info(f.operand).max : info(f.operand).min);
      }
      inst.accumulate = form.has_accumulate && extreme;
      const Words w = encode(inst);
      EXPECT_EQ(decode(w[0], w[1]), inst) << to_text(inst);
      EXPECT_EQ(parse_one(to_text(inst)), inst) << to_text(inst);
    }
  }
}

TEST(IsaEncoding, EveryOpcodeAndQueue) {
  EXPECT_EQ(forms().size(), 28u);
  const std::pair<const char*, Queue> cases[] = {
      {"sync.load", Queue::Load},
      {"sync.compute", Queue::Compute},
      {"sync.store", Queue::Store},
      {"load.acc row=0 rows=1 bytes=1 dram=0 stride=0", Queue::Load},
      {"store.sp row=0 rows=1 bytes=1 dram=0 stride=0", Queue::Store},
      {"preload wb=0 rows=1", Queue::Compute},
      {"matmul sp=0 rows=1 acc=0", Queue::Compute},
      {"vadd.sp dst=0 a=0 b=0 rows=1", Queue::Compute},
      {"halt", Queue::Compute},
  };
  for (const auto& [text, queue] : cases) EXPECT_EQ(queue_of(parse_one(text)), queue) << text;
  EXPECT_EQ(parse_one("vmax.acc dst=1 a=2 b=3 rows=4").vec_op, VecOp::MaxAcc);
  EXPECT_EQ(parse_one("load.wb row=0 rows=1 bytes=1 dram=0 stride=0").mem, Mem::Wb);
}

TEST(IsaEncoding, CanonicalText) {
  EXPECT_EQ(to_text(parse_one("load.sp stride=16 dram=4096 push_next bytes=16 rows=16 row=0")),
            "load.sp row=0 rows=16 bytes=16 dram=0x1000 stride=16 push_next");
  EXPECT_EQ(to_text(parse_one("matmul push_next accumulate pop_prev acc=0 rows=16 sp=0")),
            "matmul sp=0 rows=16 acc=0 accumulate pop_prev push_next");
  EXPECT_EQ(to_text(parse_one("vrelu.sp imm=-128 rows=1 a=0x10 dst=3")),
            "vrelu.sp dst=3 a=16 rows=1 imm=-128");
}

// ---- Encode errors ----

TEST(IsaEncodeErrors, OutOfRangeFields) {
  Instruction ld = parse_one("load.sp row=0 rows=1 bytes=1 dram=0 stride=0");
  ld.row = 1u << 20;
  EXPECT_EQ(error_of([&] { encode(ld); }), "load.sp: row=1048576 out of range 0 .. 1048575");
  ld.row = 0;
  ld.dram_addr = std::uint64_t(1) << 40;
  EXPECT_EQ(error_of([&] { encode(ld); }),
            "load.sp: dram=1099511627776 out of range 0 .. 1099511627775");
  ld.dram_addr = 0;
  ld.rows = 0;
  EXPECT_EQ(error_of([&] { encode(ld); }), "load.sp: rows=0 out of range 1 .. 65535");
  Instruction rq = parse_one("requant acc=0 rows=1 sp=0 qp=0 zp=0 min=0 max=0");
  rq.qp_row = 256;
  EXPECT_THROW(encode(rq), EncodeError);
  EXPECT_EQ(error_of([&] { encode(rq); }), "requant: qp=256 out of range 0 .. 255");
}

TEST(IsaEncodeErrors, InvalidOpcodeFuncAndUnusedFields) {
  Instruction inst;
  inst.opcode = Opcode(9);
  EXPECT_EQ(error_of([&] { encode(inst); }), "invalid opcode 9 (reserved)");
  Instruction st = parse_one("store.sp row=0 rows=1 bytes=1 dram=0 stride=0");
  st.mem = Mem::Wb;
  EXPECT_EQ(error_of([&] { encode(st); }),
            "store: 1 (wb) is not a memory a store reads (0 sp, 2 acc)");
  Instruction pl = parse_one("preload wb=0 rows=1");
  pl.bytes = 4;
  EXPECT_EQ(error_of([&] { encode(pl); }),
            "preload: has no operand bytes= (its field must be 0, is 4)");
  pl.bytes = 0;
  pl.accumulate = true;
  EXPECT_EQ(error_of([&] { encode(pl); }), "preload: has no flag accumulate");
  pl.accumulate = false;
  pl.mem = Mem::Acc;
  EXPECT_EQ(error_of([&] { encode(pl); }), "preload: mem must be left at sp (the default)");
}

TEST(IsaEncodeErrors, InvalidFlags) {
  Instruction ld = parse_one("load.sp row=0 rows=1 bytes=1 dram=0 stride=0");
  ld.deps.push_prev = true;
  EXPECT_EQ(error_of([&] { encode(ld); }),
            "load.sp: push_prev is invalid in the load queue (it has no previous queue)");
  Instruction halt;
  halt.deps.pop_next = true;
  EXPECT_EQ(error_of([&] { encode(halt); }),
            "halt: pop_next is invalid (halt runs in no queue and takes no flags)");
  Instruction sync = parse_one("sync.store");
  sync.deps.pop_next = true;
  EXPECT_EQ(error_of([&] { encode(sync); }),
            "sync.store: pop_next is invalid in the store queue (it has no next queue)");
}

// ---- Decode errors ----

TEST(IsaDecodeErrors, ReservedOpcodes) {
  for (unsigned op = 7; op <= 14; ++op) {
    EXPECT_EQ(error_of([&] { decode(op, 0); }), "reserved opcode " + std::to_string(op));
  }
  EXPECT_THROW(decode(7, 0), DecodeError);
}

TEST(IsaDecodeErrors, InvalidFunc) {
  EXPECT_EQ(error_of([&] { decode(0x300, 0); }),
            "sync: func (w0[11:8]) = 3 is not a queue (0 load, 1 compute, 2 store)");
  EXPECT_EQ(error_of([&] { decode(0x0000000100000102ull, 0); }),
            "store: func (w0[11:8]) = 1 (wb) is not a memory a store reads (0 sp, 2 acc)");
  EXPECT_EQ(error_of([&] { decode(0x0000000100000f06ull, 0); }),
            "vec: func (w0[11:8]) = 15 is not a vector op (0 .. 14)");
  EXPECT_EQ(error_of([&] { decode(0x0000000100000103ull, 0); }),
            "preload: unused field func (w0[11:8]) is non-zero");
}

TEST(IsaDecodeErrors, NonZeroUnusedFields) {
  // halt with anything in w1
  EXPECT_EQ(error_of([&] { decode(0xf, 1ull << 63); }), "halt: unused bits w1[63:0] are non-zero");
  // sync with rows
  EXPECT_EQ(error_of([&] { decode(0x0000000100000000ull, 0); }),
            "sync.load: unused field rows (w0[47:32]) is non-zero");
  // preload with b
  EXPECT_EQ(error_of([&] { decode(0x0001000100000003ull, 0); }),
            "preload: unused field b (w0[63:48]) is non-zero");
  // matmul: b[0] is accumulate, b[15:1] unused
  EXPECT_EQ(error_of([&] { decode(0x0002000100000004ull, 0); }),
            "matmul: unused bits w0[63:49] of field b are non-zero");
  EXPECT_NO_THROW(decode(0x0001000100000004ull, 0));
  // requant: w1[63:52] unused
  EXPECT_EQ(error_of([&] { decode(0x0000000100000005ull, 1ull << 52); }),
            "requant: unused bits w1[63:52] are non-zero");
  // vrelu.acc: source b unused
  EXPECT_EQ(error_of([&] { decode(0x0000000100000206ull, 1ull << 20); }),
            "vrelu.acc: unused bits w1[63:20] are non-zero");
  // vadd.acc: immediate unused
  EXPECT_EQ(error_of([&] { decode(0x0001000100000006ull, 0); }),
            "vadd.acc: unused field b (w0[63:48]) is non-zero");
  // vrelu.sp: b[7:0] is the immediate, b[15:8] unused
  EXPECT_EQ(error_of([&] { decode(0x0100000100000506ull, 0); }),
            "vrelu.sp: unused bits w0[63:56] of field b are non-zero");
}

TEST(IsaDecodeErrors, OutOfRangeValuesAndFlags) {
  EXPECT_EQ(error_of([&] { decode(0x0001000000000001ull, 0); }),
            "load.sp: rows=0 out of range 1 .. 65535");
  EXPECT_EQ(error_of([&] { decode(0x0000000100000001ull, 0); }),
            "load.sp: bytes=0 out of range 1 .. 65535");
  EXPECT_EQ(error_of([&] { decode(0x0001000100000011ull, 0); }),
            "load.sp: pop_prev is invalid in the load queue (it has no previous queue)");
  EXPECT_EQ(error_of([&] { decode(0x0001000100000082ull, 0); }),
            "store.sp: push_next is invalid in the store queue (it has no next queue)");
  EXPECT_EQ(error_of([&] { decode(0x1f, 0); }),
            "halt: pop_prev is invalid (halt runs in no queue and takes no flags)");
  EXPECT_EQ(error_of([&] { decode(0x50, 0); }),
            "sync.load: pop_prev is invalid in the load queue (it has no previous queue)");
}

// ---- A large random program through text and binary ----

TEST(IsaProgram, LargeRandomProgramRoundTrips) {
  std::mt19937_64 rng(7);
  Program p;
  for (std::size_t i = 0; i < 50000; ++i) {
    p.code.push_back(random_instruction(rng));
    if (rng() % 10 == 0) {
      p.labels[i] = (rng() % 2 ? "L" : "a_long_label.name_") + std::to_string(i);
    }
  }
  const std::vector<std::uint8_t> bin = write_binary(p);
  ASSERT_EQ(bin.size(), 16u + 16u * p.code.size());
  const std::string text = disassemble(p);
  const Program back = assemble(text, "random.sasm");
  EXPECT_EQ(back, p);
  EXPECT_EQ(write_binary(back), bin);
  EXPECT_EQ(disassemble(back), text);
  const Program from_bin = read_binary(bin, "random.sbin");
  EXPECT_EQ(from_bin.code, p.code);
  EXPECT_TRUE(from_bin.labels.empty());
}

}  // namespace
}  // namespace serrano::isa
