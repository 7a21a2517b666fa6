#include "data.h"

#include <cmath>

namespace layerout {

namespace {
torch::Tensor channelTensor(const std::vector<double>& values, const torch::Device& device) {
  return torch::tensor(values, torch::kFloat32).view({1, -1, 1, 1}).to(device);
}
// Uniform draws on the CPU generator, moved to the device: small per-batch vectors only.
torch::Tensor uniform(int64_t n, at::Generator& gen, const torch::Device& device) {
  return torch::rand({n}, gen, torch::kFloat32).to(device);
}
}  // namespace

BatchMaker::BatchMaker(std::vector<int64_t> inputShape, AugmentOptions options, torch::Device device)
    : height_(inputShape.at(1)), width_(inputShape.at(2)), options_(std::move(options)), device_(device) {
  std::vector<double> invStd;
  for (double s : options_.std) invStd.push_back(1.0 / s);
  std::vector<double> scaledMean;
  for (double m : options_.mean) scaledMean.push_back(m * 255.0);
  for (auto& v : invStd) v /= 255.0;  // folds the uint8 -> [0,1] scaling into one multiply
  mean_ = channelTensor(scaledMean, device_);
  invStd_ = channelTensor(invStd, device_);
}

torch::Tensor BatchMaker::centre(const torch::Tensor& images) const {
  const int64_t dh = height_ - images.size(2), dw = width_ - images.size(3);
  if (dh == 0 && dw == 0) return images;
  return torch::constant_pad_nd(images, {dw / 2, dw - dw / 2, dh / 2, dh - dh / 2}, 0);
}

torch::Tensor BatchMaker::randomCrop(const torch::Tensor& images, at::Generator& gen) const {
  const int64_t pad = options_.cropPad;
  auto padded = torch::constant_pad_nd(images, {pad, pad, pad, pad}, 0);
  // Too small to crop from (e.g. pad 1 on 28x28 for a 32x32 model): centre-pad the rest.
  if (padded.size(2) < height_ || padded.size(3) < width_) {
    const int64_t dh = std::max<int64_t>(0, height_ - padded.size(2));
    const int64_t dw = std::max<int64_t>(0, width_ - padded.size(3));
    padded = torch::constant_pad_nd(padded, {dw / 2, dw - dw / 2, dh / 2, dh - dh / 2}, 0);
  }
  const int64_t batch = images.size(0);
  auto longOpts = torch::TensorOptions().dtype(torch::kInt64);
  auto offY = torch::randint(0, padded.size(2) - height_ + 1, {batch}, gen, longOpts).to(device_);
  auto offX = torch::randint(0, padded.size(3) - width_ + 1, {batch}, gen, longOpts).to(device_);
  auto devLong = torch::TensorOptions().dtype(torch::kInt64).device(device_);
  auto rows = offY.view({batch, 1, 1}) + torch::arange(height_, devLong).view({1, height_, 1});
  auto cols = offX.view({batch, 1, 1}) + torch::arange(width_, devLong).view({1, 1, width_});
  auto sample = torch::arange(batch, devLong).view({batch, 1, 1});
  // Gather in channels-last order so the three index tensors are adjacent: [B, H, W, C].
  return padded.permute({0, 2, 3, 1}).index({sample, rows, cols}).permute({0, 3, 1, 2});
}

torch::Tensor BatchMaker::normalise(const torch::Tensor& images) const {
  if (images.scalar_type() == torch::kFloat32) return images;  // preprocessed by the caller: used as is
  return (images.to(torch::kFloat32) - mean_) * invStd_;
}

torch::Tensor BatchMaker::erase(const torch::Tensor& batch, at::Generator& gen) const {
  const int64_t n = batch.size(0), h = batch.size(2), w = batch.size(3);
  auto apply = uniform(n, gen, device_) < options_.eraseP;
  auto area = (options_.eraseAreaMin + (options_.eraseAreaMax - options_.eraseAreaMin) * uniform(n, gen, device_)) *
              static_cast<double>(h * w);
  const double logMin = std::log(options_.eraseAspectMin);
  auto aspect = torch::exp(logMin + (-2.0 * logMin) * uniform(n, gen, device_));
  auto eh = torch::round(torch::sqrt(area * aspect)).clamp(1, h);
  auto ew = torch::round(torch::sqrt(area / aspect)).clamp(1, w);
  auto y0 = torch::floor(uniform(n, gen, device_) * (h - eh + 1));
  auto x0 = torch::floor(uniform(n, gen, device_) * (w - ew + 1));
  auto devFloat = torch::TensorOptions().dtype(torch::kFloat32).device(device_);
  auto ys = torch::arange(h, devFloat).view({1, h, 1});
  auto xs = torch::arange(w, devFloat).view({1, 1, w});
  auto inside = (ys >= y0.view({n, 1, 1})) & (ys < (y0 + eh).view({n, 1, 1})) & (xs >= x0.view({n, 1, 1})) &
                (xs < (x0 + ew).view({n, 1, 1}));
  auto mask = (inside & apply.view({n, 1, 1})).unsqueeze(1);
  return batch.masked_fill(mask, 0.0);  // 0 is the channel mean after normalisation
}

torch::Tensor BatchMaker::train(const torch::Tensor& images, at::Generator& gen) const {
  auto x = options_.cropPad > 0 ? randomCrop(images, gen) : centre(images);
  if (options_.flip) {
    auto flip = (uniform(x.size(0), gen, device_) < 0.5).view({-1, 1, 1, 1});
    x = torch::where(flip, x.flip({3}), x);
  }
  auto batch = normalise(x);
  if (options_.eraseP > 0) batch = erase(batch, gen);
  return batch.contiguous();
}

torch::Tensor BatchMaker::test(const torch::Tensor& images) const { return normalise(centre(images)).contiguous(); }

}  // namespace layerout
