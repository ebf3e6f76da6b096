// Calibration data that does not fit the model is refused with a message
// naming the file or the layer and the field.
// RUN: printf '{"version": 1, "layers": {"fc.weight": {"smooth": [1, 2, 3]}}}' > %t.size.json
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.size.json" 2>&1 | FileCheck %s --check-prefix=SIZE
// RUN: printf '{"version": 1, "layers": {"fc.weight": {"bias_correction": [1, 2]}}}' > %t.bias.json
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.bias.json" 2>&1 | FileCheck %s --check-prefix=BIAS
// RUN: printf '{"version": 1, "layers": {"other.weight": {"smooth": [1, 1, 1, 1]}}}' > %t.other.json
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.other.json" 2>&1 | FileCheck %s --check-prefix=OTHER
// RUN: printf '{"version": 1, "layers": {"fc.weight": {"smooth": [1, 0, 1, 1]}}}' > %t.zero.json
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.zero.json" 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: printf '{"version": 1, "layers": {"fc.weight": {"shift": [1, "x", 1, 1]}}}' > %t.string.json
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.string.json" 2>&1 | FileCheck %s --check-prefix=STRING
// RUN: printf '{"version": 1, "layers": {"fc.weight": {"rank1": {"a": [1, 1, 1]}}}}' > %t.rank1.json
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.rank1.json" 2>&1 | FileCheck %s --check-prefix=RANK1
// RUN: printf '{"version": 1, "layers": {"fc.weight": {"scale": [1, 1, 1, 1]}}}' > %t.field.json
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.field.json" 2>&1 | FileCheck %s --check-prefix=FIELD
// RUN: printf '{"version": 3, "layers": {}}' > %t.version.json
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.version.json" 2>&1 | FileCheck %s --check-prefix=VERSION
// RUN: printf '{"version": 1, "alpha": 1.5}' > %t.alpha.json
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.alpha.json" 2>&1 | FileCheck %s --check-prefix=ALPHA
// RUN: printf '{"version": 1, "layers": ' > %t.truncated.json
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.truncated.json" 2>&1 | FileCheck %s --check-prefix=TRUNCATED
// RUN: not bwta-opt %s -bwta-distribution-correction="calibration=%t.missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not bwta-opt %s -bwta-distribution-correction="alpha=2" 2>&1 | FileCheck %s --check-prefix=OPTION

// SIZE: error: calibration layer 'fc.weight': "smooth" has 3 values, expected K = 4
// BIAS: error: calibration layer 'fc.weight': "bias_correction" has 2 values, expected N = 5
// OTHER: error: calibration layer 'other.weight' matches no linear layer (no linalg.matmul with bwta.weight "other.weight")
// ZERO: calibration '{{.*}}.zero.json': layer 'fc.weight': "smooth"[1] must be a finite positive number, got 0
// STRING: calibration '{{.*}}.string.json': layer 'fc.weight': "shift"[1] must be a finite number, got "x"
// RANK1: calibration '{{.*}}.rank1.json': layer 'fc.weight': "rank1" must be {"a": [N numbers], "b": [K numbers]}
// FIELD: calibration '{{.*}}.field.json': layer 'fc.weight': unknown field "scale" (expected smooth, shift, act_max, rank1, bias_correction)
// VERSION: calibration '{{.*}}.version.json': "version" must be 1
// ALPHA: calibration '{{.*}}.alpha.json': "alpha" must be a number in [0, 1], got 1.5
// TRUNCATED: calibration '{{.*}}.truncated.json': not a JSON object
// MISSING: calibration '{{.*}}.missing.json': cannot open the file
// OPTION: bwta-distribution-correction: alpha must be in [0, 1], got 2

func.func @layer(%x: tensor<3x4xf32>) -> tensor<3x5xf32> {
  %w = bwta.weight "fc.weight" : tensor<5x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %a = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<3x4xf32>, tensor<5x4xf32>) outs(%a : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}
