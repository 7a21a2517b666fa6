// Datasets held on the training device as uint8, and batched, vectorised augmentation.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace layerout {

struct Dataset {
  // uint8 pixels (normalised per batch) or float32 preprocessed values (used as they are),
  // [N, C, H, W] on the device
  torch::Tensor images;
  torch::Tensor labels;  // int64 [N] on the device
  int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

struct AugmentOptions {
  int64_t cropPad = 0;         // pad each side, then random-crop back to the model's size
  bool flip = false;           // horizontal flip with probability 1/2
  double eraseP = 0;           // random erasing probability (Zhong et al.)
  double eraseAreaMin = 0.02;  // erased share of the image
  double eraseAreaMax = 0.4;
  double eraseAspectMin = 0.3; // aspect ratio in [min, 1/min]
  std::vector<double> mean;    // per channel, on the [0,1] scale
  std::vector<double> std;
};

// Turns samples into float batches of the model's input size: uint8 pixels are normalised,
// float32 values pass through; crop, flip and erasing apply to both.
class BatchMaker {
 public:
  BatchMaker(std::vector<int64_t> inputShape, AugmentOptions options, torch::Device device);

  // Augmented batch (crop, flip, normalise, erase), with randomness drawn from `gen`.
  torch::Tensor train(const torch::Tensor& images, at::Generator& gen) const;
  // Test-time batch: centred to the model's size and normalised, nothing random.
  torch::Tensor test(const torch::Tensor& images) const;

 private:
  torch::Tensor centre(const torch::Tensor& images) const;
  torch::Tensor randomCrop(const torch::Tensor& images, at::Generator& gen) const;
  torch::Tensor normalise(const torch::Tensor& images) const;
  torch::Tensor erase(const torch::Tensor& batch, at::Generator& gen) const;

  int64_t height_, width_;
  AugmentOptions options_;
  torch::Device device_;
  torch::Tensor mean_, invStd_;  // [1, C, 1, 1] on the device
};

}  // namespace layerout
