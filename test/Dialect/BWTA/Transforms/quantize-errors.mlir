// Bad options and recipes are refused before anything runs, with a message
// that names the file and the field.
// RUN: not bwta-opt %s -bwta-quantize="scheme=w9a8" 2>&1 | FileCheck %s --check-prefix=SCHEME
// RUN: not bwta-opt %s -bwta-quantize="attention-scheme=ternary" 2>&1 | FileCheck %s --check-prefix=ATTN
// RUN: not bwta-opt %s -bwta-quantize="recipe=%t.missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: printf '[1, 2]' > %t.array.json
// RUN: not bwta-opt %s -bwta-quantize="recipe=%t.array.json" 2>&1 | FileCheck %s --check-prefix=ARRAY
// RUN: printf '{"version": 2, "default": "bwta"}' > %t.version.json
// RUN: not bwta-opt %s -bwta-quantize="recipe=%t.version.json" 2>&1 | FileCheck %s --check-prefix=VERSION
// RUN: printf '{"version": 1}' > %t.nodefault.json
// RUN: not bwta-opt %s -bwta-quantize="recipe=%t.nodefault.json" 2>&1 | FileCheck %s --check-prefix=NODEFAULT
// RUN: printf '{"version": 1, "default": "bwta", "layers": {"fc.weight": "w4a"}}' > %t.layer.json
// RUN: not bwta-opt %s -bwta-quantize="recipe=%t.layer.json" 2>&1 | FileCheck %s --check-prefix=LAYER
// RUN: printf '{"version": 1, "default": "bwta", "skip": "fc.weight"}' > %t.skip.json
// RUN: not bwta-opt %s -bwta-quantize="recipe=%t.skip.json" 2>&1 | FileCheck %s --check-prefix=SKIP
// RUN: printf '{"version": 1, "default": "bwta", "calibration": {}}' > %t.unknown.json
// RUN: not bwta-opt %s -bwta-quantize="recipe=%t.unknown.json" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// SCHEME: bwta-quantize: unknown scheme 'w9a8' (expected bwta, skip, wPaQ or wP*aQ with P, Q in 1..8)
// ATTN: bwta-quantize: unknown attention-scheme 'ternary'
// MISSING: bwta-quantize: recipe '{{.*}}.missing.json': cannot open the file
// ARRAY: bwta-quantize: recipe '{{.*}}.array.json': not a JSON object
// VERSION: recipe '{{.*}}.version.json': "version" must be 1, got 2
// NODEFAULT: recipe '{{.*}}.nodefault.json': missing "default" scheme
// LAYER: recipe '{{.*}}.layer.json': "layers"."fc.weight" must be a scheme name (bwta, skip, wPaQ or wP*aQ), got "w4a"
// SKIP: recipe '{{.*}}.skip.json': "skip" must be a list of weight names
// UNKNOWN: recipe '{{.*}}.unknown.json': unknown field "calibration" (expected version, default, attention, layers, skip)

func.func @nothing() {
  return
}
