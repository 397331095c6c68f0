// Convolution kernels for the tfjs wasm backend, run by oneDNN on tensors
// that live on the wasm heap (Float32Array views, no copies).
//
// Why native: the wasm backend's convolutions (XNNPACK, 128-bit SIMD) run at
// 0.1-0.4x PyTorch CPU on the supernet's layer shapes, and PyTorch's CPU
// convolutions are oneDNN's (bench/conv-ceiling.ts, docs/PROTOCOLS.md §7).
// This calls the same library, on the same NHWC/HWIO layouts tfjs uses.
//
// One export per direction, each taking (params, a, b, out):
//   conv2dForward        a = x  [N,H,W,CI], b = w  [KH,KW,CI,CO], out = y  [N,OH,OW,CO]
//   conv2dBackwardData   a = dy [N,OH,OW,CO], b = w,               out = dx [N,H,W,CI]
//   conv2dBackwardFilter a = x,               b = dy,              out = dw [KH,KW,CI,CO]
// params (Int32Array, 17): N H W CI KH KW CO OH OW strideH strideW dilationH
// dilationW padTop padLeft padBottom padRight (tfjs dilation, 1 = none).
//
// Primitives are built once per shape and thread (building one costs far more
// than running it at these sizes) and run on one OpenMP thread unless
// setThreads says otherwise, so one process stays one core like the wasm backend.
#include <node_api.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

constexpr int kParams = 17;
enum Direction { kForward = 0, kBackwardData = 1, kBackwardFilter = 2 };

struct Shape {
  int n, h, w, ci, kh, kw, co, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;
};

struct ConvPlan {
  memory::desc src, weights, dst;  // user layouts: nhwc activations, hwio filter
  memory::desc primWeights;        // the primitive's filter layout
  bool reorderWeights = false;
  dnnl::primitive conv;
  dnnl::primitive weightsReorder;
  memory primWeightsMem;  // scratch for the reordered filter (or filter gradient)
};

// Average pooling that leaves padding out of the average (tfjs's and
// PyTorch's count_include_pad=False), forward and backward.
struct PoolShape {
  int n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl, pb, pr;
};
constexpr int kPoolParams = 14;

struct PoolPlan {
  memory::desc src, dst;
  dnnl::primitive forward, backward;
};

struct ThreadState {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::unordered_map<std::string, std::unique_ptr<ConvPlan>> plans;
  std::unordered_map<std::string, std::unique_ptr<PoolPlan>> pools;
};

int gThreads = 1;

ThreadState& state() {
  // thread_local: tfjs may run in several worker threads, each with its own
  // wasm module; OpenMP's thread count is a per-thread setting as well.
  thread_local ThreadState s;
  thread_local int threadsSet = 0;
  if (threadsSet != gThreads) {
    omp_set_num_threads(gThreads);
    threadsSet = gThreads;
  }
  return s;
}

ConvPlan& plan(Direction dir, const Shape& p) {
  ThreadState& s = state();
  std::string key(reinterpret_cast<const char*>(&p), sizeof p);
  key.push_back(static_cast<char>(dir));
  auto found = s.plans.find(key);
  if (found != s.plans.end()) return *found->second;

  auto c = std::make_unique<ConvPlan>();
  c->src = memory::desc({p.n, p.ci, p.h, p.w}, dt::f32, tag::nhwc);
  c->weights = memory::desc({p.co, p.ci, p.kh, p.kw}, dt::f32, tag::hwio);
  c->dst = memory::desc({p.n, p.co, p.oh, p.ow}, dt::f32, tag::nhwc);
  memory::desc anyWeights({p.co, p.ci, p.kh, p.kw}, dt::f32, tag::any);
  memory::dims strides{p.sh, p.sw}, dilates{p.dh - 1, p.dw - 1}, padL{p.pt, p.pl}, padR{p.pb, p.pr};

  dnnl::convolution_forward::primitive_desc fwd(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, c->src,
                                      anyWeights, c->dst, strides, dilates, padL, padR),
      s.engine);
  if (dir == kForward) {
    c->primWeights = fwd.weights_desc();
    c->conv = dnnl::convolution_forward(fwd);
  } else if (dir == kBackwardData) {
    dnnl::convolution_backward_data::primitive_desc bwd(
        dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, c->src, anyWeights, c->dst, strides,
                                              dilates, padL, padR),
        s.engine, fwd);
    c->primWeights = bwd.weights_desc();
    c->conv = dnnl::convolution_backward_data(bwd);
  } else {
    dnnl::convolution_backward_weights::primitive_desc bwd(
        dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, c->src, anyWeights, c->dst,
                                                 strides, dilates, padL, padR),
        s.engine, fwd);
    c->primWeights = bwd.diff_weights_desc();
    c->conv = dnnl::convolution_backward_weights(bwd);
  }
  c->reorderWeights = c->primWeights != c->weights;
  if (c->reorderWeights) {
    c->primWeightsMem = memory(c->primWeights, s.engine);
    memory user(c->weights, s.engine, DNNL_MEMORY_NONE);
    c->weightsReorder = dir == kBackwardFilter ? dnnl::reorder(c->primWeightsMem, user) : dnnl::reorder(user, c->primWeightsMem);
  }
  ConvPlan& ref = *c;
  s.plans.emplace(std::move(key), std::move(c));
  return ref;
}

void run(Direction dir, const Shape& p, float* a, float* b, float* out) {
  ThreadState& s = state();
  ConvPlan& c = plan(dir, p);
  if (dir == kForward || dir == kBackwardData) {
    memory userW(c.weights, s.engine, b);
    memory w = userW;
    if (c.reorderWeights) {
      c.weightsReorder.execute(s.stream, {{DNNL_ARG_FROM, userW}, {DNNL_ARG_TO, c.primWeightsMem}});
      w = c.primWeightsMem;
    }
    if (dir == kForward) {
      c.conv.execute(s.stream, {{DNNL_ARG_SRC, memory(c.src, s.engine, a)},
                                {DNNL_ARG_WEIGHTS, w},
                                {DNNL_ARG_DST, memory(c.dst, s.engine, out)}});
    } else {
      c.conv.execute(s.stream, {{DNNL_ARG_DIFF_DST, memory(c.dst, s.engine, a)},
                                {DNNL_ARG_WEIGHTS, w},
                                {DNNL_ARG_DIFF_SRC, memory(c.src, s.engine, out)}});
    }
  } else {
    memory userDw(c.weights, s.engine, out);
    memory dw = c.reorderWeights ? c.primWeightsMem : userDw;
    c.conv.execute(s.stream, {{DNNL_ARG_SRC, memory(c.src, s.engine, a)},
                              {DNNL_ARG_DIFF_DST, memory(c.dst, s.engine, b)},
                              {DNNL_ARG_DIFF_WEIGHTS, dw}});
    if (c.reorderWeights) c.weightsReorder.execute(s.stream, {{DNNL_ARG_FROM, c.primWeightsMem}, {DNNL_ARG_TO, userDw}});
  }
  s.stream.wait();
}


// ---- training batch norm -------------------------------------------------
//
// Hand-written rather than oneDNN's batch normalization: these keep the
// contract of the wasm kernels in src/backend/batchNormTraining.ts (the
// forward saves x̂ and 1/σ, the closed-form backward reads them), which
// oneDNN's (saving x, mean and variance) does not, and they are a few passes
// over memory. Sums accumulate in float over tiles of kTileRows rows, then in
// double, like the wasm kernels' float64 sums to within float rounding.
//
// Layout [rows, c]: a tile of kTileRows rows is kTileRows·c contiguous
// floats whose channel is (index mod c), so every inner loop is a contiguous,
// vectorisable loop with per-tile patterns of the channel constants.

constexpr int kTileRows = 16;
constexpr int kFlushTiles = 64;  // float partial sums over at most 1,024 rows before adding to double

#define NAS_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))

// out[k] (double) += Σ_rows f(i, j) for channel k, where f reads element i
// and j is i's index within its tile (for the tile patterns below).
template <typename F>
inline void channelSums(int64_t rows, int c, double* out, F f, float* tile) {
  const int t = kTileRows * c;
  const int64_t tiles = rows / kTileRows;
  for (int64_t start = 0; start < tiles; start += kFlushTiles) {
    const int64_t end = std::min<int64_t>(tiles, start + kFlushTiles);
    for (int j = 0; j < t; j++) tile[j] = 0.f;
    for (int64_t b = start; b < end; b++) {
      const int64_t base = b * t;
      for (int j = 0; j < t; j++) tile[j] += f(base + j, j);
    }
    for (int j = 0; j < t; j++) out[j % c] += tile[j];
  }
  // The last rows (fewer than a tile) start on a tile boundary, so j = i - that boundary.
  const int64_t whole = tiles * t;
  for (int64_t i = whole; i < rows * c; i++) out[i % c] += f(i, int(i - whole));
}

// pattern[j] = v[j mod c] for one tile.
inline void tilePattern(const double* v, int c, float* pattern) {
  for (int j = 0; j < kTileRows * c; j++) pattern[j] = float(v[j % c]);
}

NAS_MULTIVERSION
void batchNormForwardImpl(const float* x, float* xHat, float* invStdOut, float* y, const float* gamma, const float* beta,
                          int64_t rows, int c, double eps) {
  const int t = kTileRows * c;
  std::vector<float> tile(t), meanP(t), scaleP(t), shiftP(t);
  std::vector<double> sum(c, 0.0), sq(c, 0.0), invStd(c);
  channelSums(rows, c, sum.data(), [&](int64_t i, int) { return x[i]; }, tile.data());
  for (int k = 0; k < c; k++) sum[k] /= double(rows);
  tilePattern(sum.data(), c, meanP.data());
  // Two passes for the variance: no cancellation for large means.
  channelSums(rows, c, sq.data(), [&](int64_t i, int j) { const float d = x[i] - meanP[j]; return d * d; }, tile.data());
  for (int k = 0; k < c; k++) {
    invStd[k] = 1.0 / std::sqrt(sq[k] / double(rows) + eps);
    invStdOut[k] = float(invStd[k]);
  }
  tilePattern(invStd.data(), c, scaleP.data());
  const int64_t n = rows * c;
  const int64_t whole = n - n % t;
  for (int64_t base = 0; base < whole; base += t)
    for (int j = 0; j < t; j++) xHat[base + j] = (x[base + j] - meanP[j]) * scaleP[j];
  for (int64_t i = whole; i < n; i++) xHat[i] = (x[i] - meanP[i % t]) * scaleP[i % t];
  if (y == nullptr) return;
  for (int j = 0; j < t; j++) {
    scaleP[j] = gamma[j % c];
    shiftP[j] = beta[j % c];
  }
  for (int64_t base = 0; base < whole; base += t)
    for (int j = 0; j < t; j++) y[base + j] = xHat[base + j] * scaleP[j] + shiftP[j];
  for (int64_t i = whole; i < n; i++) y[i] = xHat[i] * scaleP[i % t] + shiftP[i % t];
}

NAS_MULTIVERSION
void batchNormBackwardImpl(const float* dy, const float* xHat, const float* invStd, const float* gamma, float* dx,
                           float* dGamma, float* dBeta, int64_t rows, int c) {
  const int t = kTileRows * c;
  std::vector<float> tile(t), scaleP(t), meanDyP(t), meanDyXHatP(t);
  std::vector<double> sumDy(c, 0.0), sumDyXHat(c, 0.0), v(c);
  channelSums(rows, c, sumDy.data(), [&](int64_t i, int) { return dy[i]; }, tile.data());
  channelSums(rows, c, sumDyXHat.data(), [&](int64_t i, int) { return dy[i] * xHat[i]; }, tile.data());
  for (int k = 0; k < c; k++) v[k] = (gamma ? double(gamma[k]) : 1.0) * double(invStd[k]);
  tilePattern(v.data(), c, scaleP.data());
  for (int k = 0; k < c; k++) v[k] = sumDy[k] / double(rows);
  tilePattern(v.data(), c, meanDyP.data());
  for (int k = 0; k < c; k++) v[k] = sumDyXHat[k] / double(rows);
  tilePattern(v.data(), c, meanDyXHatP.data());
  const int64_t n = rows * c;
  const int64_t whole = n - n % t;
  for (int64_t base = 0; base < whole; base += t)
    for (int j = 0; j < t; j++)
      dx[base + j] = scaleP[j] * (dy[base + j] - meanDyP[j] - xHat[base + j] * meanDyXHatP[j]);
  for (int64_t i = whole; i < n; i++) {
    const int j = int(i % t);
    dx[i] = scaleP[j] * (dy[i] - meanDyP[j] - xHat[i] * meanDyXHatP[j]);
  }
  if (dGamma == nullptr) return;
  for (int k = 0; k < c; k++) {
    dGamma[k] = float(sumDyXHat[k]);
    dBeta[k] = float(sumDy[k]);
  }
}

// ---- N-API glue ----------------------------------------------------------

bool fail(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return false;
}

bool typedArray(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length, const char* what) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) return fail(env, std::string(what) + " must be a typed array");
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset);
  if (type != want) return fail(env, std::string(what) + (want == napi_float32_array ? " must be a Float32Array" : " must be an Int32Array"));
  return true;
}

template <Direction dir>
napi_value conv(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 4) {
    fail(env, "onednn conv2d: expected (params, a, b, out)");
    return nullptr;
  }
  void* pp;
  size_t np;
  if (!typedArray(env, argv[0], napi_int32_array, &pp, &np, "params")) return nullptr;
  if (np != kParams) {
    fail(env, "onednn conv2d: params must have 17 entries");
    return nullptr;
  }
  Shape p;
  std::memcpy(&p, pp, sizeof p);
  const int64_t xLen = int64_t(p.n) * p.h * p.w * p.ci, yLen = int64_t(p.n) * p.oh * p.ow * p.co,
                wLen = int64_t(p.kh) * p.kw * p.ci * p.co;
  const std::array<int64_t, 3> lens = dir == kForward ? std::array<int64_t, 3>{xLen, wLen, yLen}
                                      : dir == kBackwardData ? std::array<int64_t, 3>{yLen, wLen, xLen}
                                                             : std::array<int64_t, 3>{xLen, yLen, wLen};
  const char* names[3] = {"a", "b", "out"};
  float* ptrs[3];
  for (int i = 0; i < 3; i++) {
    void* d;
    size_t n;
    if (!typedArray(env, argv[i + 1], napi_float32_array, &d, &n, names[i])) return nullptr;
    if (int64_t(n) != lens[i]) {
      fail(env, std::string("onednn conv2d: ") + names[i] + " has " + std::to_string(n) + " values, expected " +
                    std::to_string(lens[i]));
      return nullptr;
    }
    ptrs[i] = static_cast<float*>(d);
  }
  try {
    run(dir, p, ptrs[0], ptrs[1], ptrs[2]);
  } catch (const dnnl::error& e) {
    fail(env, std::string("oneDNN: ") + e.what() + " (status " + std::to_string(int(e.status)) + ")");
  } catch (const std::exception& e) {
    fail(env, std::string("onednn conv2d: ") + e.what());
  }
  return nullptr;
}


// A Float32Array argument, or null when `optional` and the argument is null/undefined.
bool floatArg(napi_env env, napi_value v, const char* what, bool optional, float** data, size_t* length) {
  napi_valuetype type;
  napi_typeof(env, v, &type);
  if (optional && (type == napi_null || type == napi_undefined)) {
    *data = nullptr;
    *length = 0;
    return true;
  }
  void* d;
  if (!typedArray(env, v, napi_float32_array, &d, length, what)) return false;
  *data = static_cast<float*>(d);
  return true;
}

// The 7 arguments of the batch-norm exports: Float32Arrays, the last three
// optional (null/undefined); argument 3 of the forward is epsilon, not an array.
constexpr int kBnArgs = 7;
bool bnArgs(napi_env env, napi_callback_info info, const char* usage, const char* const names[kBnArgs], int numberAt,
            float* ptrs[kBnArgs], size_t lens[kBnArgs], double* number) {
  size_t argc = kBnArgs;
  napi_value argv[kBnArgs];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 4) return fail(env, std::string("expected ") + usage);
  for (size_t i = argc; i < kBnArgs; i++) napi_get_undefined(env, &argv[i]);
  for (int i = 0; i < kBnArgs; i++) {
    if (i == numberAt) {
      if (napi_get_value_double(env, argv[i], number) != napi_ok) return fail(env, std::string(names[i]) + " must be a number");
      ptrs[i] = nullptr;
      lens[i] = 0;
    } else if (!floatArg(env, argv[i], names[i], i >= 4, &ptrs[i], &lens[i])) {
      return false;
    }
  }
  return true;
}

// batchNormForward(x, xHat, invStd, epsilon, y?, gamma?, beta?): channels = invStd.length.
napi_value batchNormForward(napi_env env, napi_callback_info info) {
  static const char* const names[kBnArgs] = {"x", "xHat", "invStd", "epsilon", "y", "gamma", "beta"};
  float* p[kBnArgs];
  size_t n[kBnArgs];
  double eps = 0;
  if (!bnArgs(env, info, "batchNormForward(x, xHat, invStd, epsilon, y?, gamma?, beta?)", names, 3, p, n, &eps)) return nullptr;
  const size_t nx = n[0], c = n[2];
  if (c == 0 || nx == 0 || nx % c != 0 || n[1] != nx) {
    fail(env, "batchNormForward: x and xHat must have the same non-zero length, a multiple of invStd's (the channels)");
    return nullptr;
  }
  const bool affine = p[4] != nullptr;
  if (affine != (p[5] != nullptr) || affine != (p[6] != nullptr) || (affine && (n[4] != nx || n[5] != c || n[6] != c))) {
    fail(env, "batchNormForward: give y (x's length), gamma and beta (the channels' length) together, or none");
    return nullptr;
  }
  batchNormForwardImpl(p[0], p[1], p[2], p[4], p[5], p[6], int64_t(nx / c), int(c), eps);
  return nullptr;
}

// batchNormBackward(dy, xHat, invStd, dx, gamma?, dGamma?, dBeta?).
napi_value batchNormBackward(napi_env env, napi_callback_info info) {
  static const char* const names[kBnArgs] = {"dy", "xHat", "invStd", "dx", "gamma", "dGamma", "dBeta"};
  float* p[kBnArgs];
  size_t n[kBnArgs];
  if (!bnArgs(env, info, "batchNormBackward(dy, xHat, invStd, dx, gamma?, dGamma?, dBeta?)", names, -1, p, n, nullptr)) return nullptr;
  const size_t ny = n[0], c = n[2];
  if (c == 0 || ny == 0 || ny % c != 0 || n[1] != ny || n[3] != ny) {
    fail(env, "batchNormBackward: dy, xHat and dx must have the same non-zero length, a multiple of invStd's (the channels)");
    return nullptr;
  }
  const bool affine = p[4] != nullptr;
  if (affine != (p[5] != nullptr) || affine != (p[6] != nullptr) || (affine && (n[4] != c || n[5] != c || n[6] != c))) {
    fail(env, "batchNormBackward: give gamma, dGamma and dBeta (the channels' length) together, or none");
    return nullptr;
  }
  batchNormBackwardImpl(p[0], p[1], p[2], p[4], p[3], p[5], p[6], int64_t(ny / c), int(c));
  return nullptr;
}

PoolPlan& poolPlan(const PoolShape& p) {
  ThreadState& s = state();
  std::string key(reinterpret_cast<const char*>(&p), sizeof p);
  auto found = s.pools.find(key);
  if (found != s.pools.end()) return *found->second;
  auto c = std::make_unique<PoolPlan>();
  c->src = memory::desc({p.n, p.c, p.h, p.w}, dt::f32, tag::nhwc);
  c->dst = memory::desc({p.n, p.c, p.oh, p.ow}, dt::f32, tag::nhwc);
  memory::dims strides{p.sh, p.sw}, kernel{p.kh, p.kw}, padL{p.pt, p.pl}, padR{p.pb, p.pr};
  const auto alg = dnnl::algorithm::pooling_avg_exclude_padding;
  dnnl::pooling_forward::primitive_desc fwd(
      dnnl::pooling_forward::desc(dnnl::prop_kind::forward_training, alg, c->src, c->dst, strides, kernel, padL, padR),
      s.engine);
  dnnl::pooling_backward::primitive_desc bwd(
      dnnl::pooling_backward::desc(alg, c->src, c->dst, strides, kernel, padL, padR), s.engine, fwd);
  c->forward = dnnl::pooling_forward(fwd);
  c->backward = dnnl::pooling_backward(bwd);
  PoolPlan& ref = *c;
  s.pools.emplace(std::move(key), std::move(c));
  return ref;
}

// avgPoolForward(params, x, y) and avgPoolBackward(params, dy, dx); params (Int32Array, 14):
// N H W C KH KW OH OW strideH strideW padTop padLeft padBottom padRight.
template <bool backward>
napi_value avgPool(napi_env env, napi_callback_info info) {
  const char* name = backward ? "avgPoolBackward" : "avgPoolForward";
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 3) {
    fail(env, std::string(name) + ": expected (params, a, out)");
    return nullptr;
  }
  void* pp;
  size_t np;
  if (!typedArray(env, argv[0], napi_int32_array, &pp, &np, "params")) return nullptr;
  if (np != kPoolParams) {
    fail(env, std::string(name) + ": params must have 14 entries");
    return nullptr;
  }
  PoolShape p;
  std::memcpy(&p, pp, sizeof p);
  const int64_t xLen = int64_t(p.n) * p.h * p.w * p.c, yLen = int64_t(p.n) * p.oh * p.ow * p.c;
  float *a, *out;
  size_t na, nout;
  if (!floatArg(env, argv[1], backward ? "dy" : "x", false, &a, &na) ||
      !floatArg(env, argv[2], backward ? "dx" : "y", false, &out, &nout))
    return nullptr;
  if (int64_t(na) != (backward ? yLen : xLen) || int64_t(nout) != (backward ? xLen : yLen)) {
    fail(env, std::string(name) + ": tensor lengths do not match params");
    return nullptr;
  }
  try {
    ThreadState& s = state();
    PoolPlan& c = poolPlan(p);
    if (backward) {
      c.backward.execute(s.stream, {{DNNL_ARG_DIFF_DST, memory(c.dst, s.engine, a)}, {DNNL_ARG_DIFF_SRC, memory(c.src, s.engine, out)}});
    } else {
      c.forward.execute(s.stream, {{DNNL_ARG_SRC, memory(c.src, s.engine, a)}, {DNNL_ARG_DST, memory(c.dst, s.engine, out)}});
    }
    s.stream.wait();
  } catch (const dnnl::error& e) {
    fail(env, std::string("oneDNN: ") + e.what() + " (status " + std::to_string(int(e.status)) + ")");
  }
  return nullptr;
}

napi_value setThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n = 0;
  if (argc != 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    fail(env, "setThreads: expected a positive integer");
    return nullptr;
  }
  gThreads = n;
  return nullptr;
}

napi_value version(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  std::string s = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  napi_value out;
  napi_create_string_utf8(env, s.c_str(), s.size(), &out);
  return out;
}

}  // namespace

NAPI_MODULE_INIT() {
  const std::pair<const char*, napi_callback> fns[] = {
      {"conv2dForward", conv<kForward>},
      {"conv2dBackwardData", conv<kBackwardData>},
      {"conv2dBackwardFilter", conv<kBackwardFilter>},
      {"batchNormForward", batchNormForward},
      {"batchNormBackward", batchNormBackward},
      {"avgPoolForward", avgPool<false>},
      {"avgPoolBackward", avgPool<true>},
      {"setThreads", setThreads},
      {"version", version},
  };
  for (const auto& [name, fn] : fns) {
    napi_value f;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f);
    napi_set_named_property(env, exports, name, f);
  }
  return exports;
}
