// SPDX-License-Identifier: Apache-2.0
// Reading and writing one layer's weights as .npy files or a safetensors file (docs/models.md,
// "Real weights"). One table lists the tensors; reading, writing and the messages all follow it.
#include "workloads/weights_io.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <system_error>
#include <vector>

#include "arch/yaml_reader.h"
#include "io/npy.h"
#include "io/safetensors.h"

namespace serrano::workloads {

namespace {

namespace fs = std::filesystem;

enum class Only { None, SwiGlu, LayerNorm };  // tensors only some models have

// The sizes a tensor's dimensions are made of; One: a vector has no rows.
enum class Size { One, D, Q, Qkv, Ffn };

struct Tensor {
  const char* name;
  std::vector<float> LayerWeights::*field;
  Size rows, cols;
  bool optional;  // a bias or beta: missing means zeros
  Only only;
};

// In the order of LayerWeights; reading checks them in this order.
constexpr Tensor kTensors[] = {
    {"w_qkv", &LayerWeights::w_qkv, Size::D, Size::Qkv, false, Only::None},
    {"b_qkv", &LayerWeights::b_qkv, Size::One, Size::Qkv, true, Only::None},
    {"w_o", &LayerWeights::w_o, Size::Q, Size::D, false, Only::None},
    {"b_o", &LayerWeights::b_o, Size::One, Size::D, true, Only::None},
    {"w_gate", &LayerWeights::w_gate, Size::D, Size::Ffn, false, Only::SwiGlu},
    {"b_gate", &LayerWeights::b_gate, Size::One, Size::Ffn, true, Only::SwiGlu},
    {"w_up", &LayerWeights::w_up, Size::D, Size::Ffn, false, Only::None},
    {"b_up", &LayerWeights::b_up, Size::One, Size::Ffn, true, Only::None},
    {"w_down", &LayerWeights::w_down, Size::Ffn, Size::D, false, Only::None},
    {"b_down", &LayerWeights::b_down, Size::One, Size::D, true, Only::None},
    {"norm1_gamma", &LayerWeights::norm1_gamma, Size::One, Size::D, false, Only::None},
    {"norm1_beta", &LayerWeights::norm1_beta, Size::One, Size::D, true, Only::LayerNorm},
    {"norm2_gamma", &LayerWeights::norm2_gamma, Size::One, Size::D, false, Only::None},
    {"norm2_beta", &LayerWeights::norm2_beta, Size::One, Size::D, true, Only::LayerNorm},
};

std::string tensor_names() {
  std::string s;
  for (const Tensor& t : kTensors) s += (s.empty() ? "" : ", ") + std::string(t.name);
  return s;
}

std::size_t size_of(Size s, const LayerWeights& sizes) {
  switch (s) {
    case Size::D: return std::size_t(sizes.d);
    case Size::Q: return std::size_t(sizes.q_dim);
    case Size::Qkv: return std::size_t(sizes.q_dim + 2 * sizes.kv_dim);
    case Size::Ffn: return std::size_t(sizes.ffn);
    case Size::One: break;
  }
  return 1;
}

const char* word_of(Size s) {
  switch (s) {
    case Size::D: return "d";
    case Size::Q: return "q_dim";
    case Size::Qkv: return "q_dim + 2 kv_dim";
    case Size::Ffn: return "ffn";
    case Size::One: break;
  }
  return "1";
}

// A tensor's expected shape and how it is made of the model's sizes ("d x ffn").
struct Expected {
  std::vector<std::size_t> shape;
  std::string words;
};

Expected expected(const Tensor& t, const LayerWeights& sizes) {
  if (t.rows == Size::One) return {{size_of(t.cols, sizes)}, word_of(t.cols)};
  auto factor = [](Size s) {
    return s == Size::Qkv ? fmt::format("({})", word_of(s)) : std::string(word_of(s));
  };
  return {{size_of(t.rows, sizes), size_of(t.cols, sizes)},
          factor(t.rows) + " x " + factor(t.cols)};
}

std::size_t elements(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (const std::size_t s : shape) n *= s;
  return n;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  }
  return s + "]";
}

// Whether the model has the tensor; if not, why not.
std::string not_in_model(const Tensor& t, const ModelDesc& m) {
  if (t.only == Only::SwiGlu && m.ffn != FfnType::SwiGlu) {
    return fmt::format("{} is for swiglu models only; {} has a {} FFN", t.name, m.name,
                       to_string(m.ffn));
  }
  if (t.only == Only::LayerNorm && m.norm != NormType::LayerNorm) {
    return fmt::format("{} is for layernorm models only; {} uses {}", t.name, m.name,
                       to_string(m.norm));
  }
  return {};
}

// The source of the tensors: a folder of .npy files or a safetensors file.
class Source {
 public:
  virtual ~Source() = default;
  // The names present that are not in kTensors, sorted, each with where it is.
  virtual std::vector<std::string> unknown() const = 0;
  // Where a tensor is or would be, for messages: "dir/w_up.npy" or "file.safetensors: w_up".
  virtual std::string where(const Tensor& t) const = 0;
  virtual bool has(const Tensor& t) const = 0;
  // The tensor's shape and its values as floats; throws WeightsError for another dtype.
  virtual std::vector<float> values(const Tensor& t, std::vector<std::size_t>& shape) const = 0;
};

bool known(const std::string& name) {
  return std::any_of(std::begin(kTensors), std::end(kTensors),
                     [&](const Tensor& t) { return name == t.name; });
}

class NpyFolder : public Source {
 public:
  explicit NpyFolder(std::string dir) : m_dir(std::move(dir)) {}

  std::vector<std::string> unknown() const override {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(m_dir, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path& p = it->path();
      if (p.extension() == ".npy" && !known(p.stem().string())) out.push_back(p.string());
    }
    if (ec) throw WeightsError(m_dir, "cannot list the folder");
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string where(const Tensor& t) const override {
    return (fs::path(m_dir) / (std::string(t.name) + ".npy")).string();
  }
  bool has(const Tensor& t) const override {
    std::error_code ec;
    return fs::exists(where(t), ec);
  }
  std::vector<float> values(const Tensor& t, std::vector<std::size_t>& shape) const override {
    io::NpyArray a;
    try {
      a = io::read_npy(where(t));
    } catch (const io::NpyError& e) {
      throw WeightsError(e.what());
    }
    if (a.dtype != io::DType::F32) {
      throw WeightsError(where(t),
                         fmt::format("dtype '{}', expected '<f4' (float32)", io::descr(a.dtype)));
    }
    shape = a.shape;
    return io::as_f32(a);
  }

 private:
  std::string m_dir;
};

class SafetensorsSource : public Source {
 public:
  explicit SafetensorsSource(const std::string& path) : m_path(path) {
    try {
      m_file = io::read_safetensors(path);
    } catch (const io::SafetensorsError& e) {
      throw WeightsError(e.what());
    }
  }

  std::vector<std::string> unknown() const override {
    std::vector<std::string> out;
    for (const auto& entry : m_file.tensors) {
      if (!known(entry.first)) out.push_back(m_path + ": " + entry.first);
    }
    return out;
  }
  std::string where(const Tensor& t) const override { return m_path + ": " + t.name; }
  bool has(const Tensor& t) const override { return m_file.tensors.count(t.name) > 0; }
  std::vector<float> values(const Tensor& t, std::vector<std::size_t>& shape) const override {
    const io::SafetensorsTensor& st = m_file.tensors.at(t.name);
    if (st.dtype != io::TensorDType::F32 && st.dtype != io::TensorDType::F16 &&
        st.dtype != io::TensorDType::BF16) {
      throw WeightsError(
          where(t), fmt::format("dtype {}, expected F32, F16 or BF16", io::dtype_name(st.dtype)));
    }
    shape = st.shape;
    return io::to_float(st);
  }

 private:
  std::string m_path;
  io::SafetensorsFile m_file;
};

LayerWeights read_from(const ModelDesc& m, const Source& src) {
  const std::vector<std::string> unknown = src.unknown();
  if (!unknown.empty()) {
    throw WeightsError(unknown.front(),
                       fmt::format("unknown tensor (the names are {})", tensor_names()));
  }
  LayerWeights w;
  w.d = m.hidden;
  w.q_dim = m.heads * m.head_dim;
  w.kv_dim = m.kv_heads * m.head_dim;
  w.ffn = m.ffn_size;
  for (const Tensor& t : kTensors) {
    const Expected want = expected(t, w);
    const std::string skip = not_in_model(t, m);
    const bool present = src.has(t);
    if (!skip.empty()) {
      if (present) throw WeightsError(src.where(t), skip);
      if (t.only == Only::LayerNorm) w.*t.field = std::vector<float>(elements(want.shape), 0.0f);
      continue;
    }
    if (!present) {
      if (!t.optional) {
        throw WeightsError(src.where(t), fmt::format("missing (required: {}, {} of {})",
                                                     shape_text(want.shape), want.words, m.name));
      }
      w.*t.field = std::vector<float>(elements(want.shape), 0.0f);
      continue;
    }
    std::vector<std::size_t> shape;
    std::vector<float> v = src.values(t, shape);
    if (shape != want.shape) {
      throw WeightsError(src.where(t),
                         fmt::format("shape {}, expected {} ({} of {})", shape_text(shape),
                                     shape_text(want.shape), want.words, m.name));
    }
    const auto bad = std::find_if(v.begin(), v.end(), [](float x) { return !std::isfinite(x); });
    if (bad != v.end()) {
      const auto i = std::size_t(bad - v.begin());
      const std::string at = shape.size() == 2 ? fmt::format("[{}, {}]", i / shape[1], i % shape[1])
                                               : fmt::format("[{}]", i);
      throw WeightsError(src.where(t), fmt::format("value at {} is {}, not finite", at, *bad));
    }
    w.*t.field = std::move(v);
  }
  return w;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The tensors of `w` to write, with their shapes: the required ones, the gate if w has one, and
// the biases and betas that are not all zeros. Checks every size.
std::vector<std::pair<const Tensor*, Expected>> to_write(const LayerWeights& w) {
  std::vector<std::pair<const Tensor*, Expected>> out;
  const bool gate = !w.w_gate.empty();
  for (const Tensor& t : kTensors) {
    const std::vector<float>& v = w.*t.field;
    const Expected want = expected(t, w);
    const bool zeros = std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f; });
    if (t.only == Only::SwiGlu && !gate) {
      if (!zeros) {
        throw std::invalid_argument(fmt::format(
            "save_layer_weights: {} has values, but the weights have no w_gate", t.name));
      }
      continue;
    }
    if (t.optional && zeros) continue;
    if (v.size() != elements(want.shape)) {
      throw std::invalid_argument(
          fmt::format("save_layer_weights: {} has {} values, but {} ({}) needs {}", t.name,
                      v.size(), shape_text(want.shape), want.words, elements(want.shape)));
    }
    out.emplace_back(&t, want);
  }
  return out;
}

}  // namespace

WeightsError::WeightsError(const std::string& line)
    : std::runtime_error(arch::yaml::one_line(line)) {}
WeightsError::WeightsError(const std::string& where, const std::string& message)
    : std::runtime_error(arch::yaml::one_line(where + ": " + message)) {}

LayerWeights load_layer_weights(const ModelDesc& m, const std::string& path) {
  validate(m);
  std::error_code ec;
  if (fs::is_directory(path, ec)) return read_from(m, NpyFolder(path));
  if (ends_with(path, ".safetensors")) return read_from(m, SafetensorsSource(path));
  if (!fs::exists(path, ec)) throw WeightsError(path, "no such file or folder");
  throw WeightsError(path, "not a folder of .npy files or a .safetensors file");
}

void save_layer_weights_npy(const LayerWeights& w, const std::string& dir) {
  const auto tensors = to_write(w);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw WeightsError(dir, "cannot create the folder");
  for (const Tensor& t : kTensors) {
    const fs::path file = fs::path(dir) / (std::string(t.name) + ".npy");
    const bool written =
        std::any_of(tensors.begin(), tensors.end(), [&](const auto& e) { return e.first == &t; });
    if (written) continue;
    fs::remove(file, ec);  // nothing to do (and no error) if there is no such file
    if (ec) throw WeightsError(file.string(), "cannot remove the file");
  }
  for (const auto& [t, want] : tensors) {
    try {
      io::write_npy((fs::path(dir) / (std::string(t->name) + ".npy")).string(),
                    io::make_f32(want.shape, w.*t->field));
    } catch (const io::NpyError& e) {
      throw WeightsError(e.what());
    }
  }
}

void save_layer_weights_safetensors(const LayerWeights& w, const std::string& path) {
  io::SafetensorsFile f;
  for (const auto& [t, want] : to_write(w)) {
    f.tensors[t->name] = io::make_tensor_f32(want.shape, w.*t->field);
  }
  try {
    io::write_safetensors(path, f);
  } catch (const io::SafetensorsError& e) {
    throw WeightsError(e.what());
  }
}

}  // namespace serrano::workloads
