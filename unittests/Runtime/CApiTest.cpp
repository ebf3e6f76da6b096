//===- CApiTest.cpp - the C API, as built without CUDA --------------------===//
#include "bwta_runtime.h"

#include "TestBundle.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using bwta::runtime::test::TestBundle;

namespace {

std::string lastError() { return bwta_last_error(); }

TEST(CApiTest, QueriesABundle) {
  std::vector<char> bytes = TestBundle().build();
  bwta_bundle *bundle = nullptr;
  ASSERT_EQ(bwta_bundle_open_memory(bytes.data(), bytes.size(), &bundle), BWTA_OK)
      << lastError();
  EXPECT_EQ(bwta_runtime_api_version(), BWTA_RUNTIME_API_VERSION);
  EXPECT_STREQ(bwta_bundle_target(bundle), "sm_90a");
  EXPECT_NE(std::string(bwta_bundle_manifest_json(bundle)).find("\"gemm\""),
            std::string::npos);
  ASSERT_EQ(bwta_bundle_num_inputs(bundle), 1u);
  ASSERT_EQ(bwta_bundle_num_outputs(bundle), 1u);
  bwta_tensor_info info;
  ASSERT_EQ(bwta_bundle_input(bundle, 0, &info), BWTA_OK);
  EXPECT_STREQ(info.name, "x");
  EXPECT_EQ(info.dtype, BWTA_DTYPE_F16);
  EXPECT_STREQ(info.dtype_name, "f16");
  ASSERT_EQ(info.rank, 2u);
  EXPECT_EQ(info.shape[0], 2);
  EXPECT_EQ(info.shape[1], 64);
  EXPECT_EQ(info.bytes, 256u);
  ASSERT_EQ(bwta_bundle_output(bundle, 0, &info), BWTA_OK);
  EXPECT_STREQ(info.name, "y");
  EXPECT_EQ(info.dtype, BWTA_DTYPE_F32);

  EXPECT_EQ(bwta_bundle_output(bundle, 1, &info), BWTA_ERROR_NOT_FOUND);
  EXPECT_EQ(lastError(), "bwta_bundle_output: index 1 is out of range (the "
                         "bundle has 1)");
  EXPECT_EQ(bwta_bundle_input(bundle, 0, nullptr), BWTA_ERROR_INVALID_ARGUMENT);
  bwta_bundle_destroy(bundle);
}

TEST(CApiTest, OpensFiles) {
  std::vector<char> bytes = TestBundle().build();
  std::string path = testing::TempDir() + "bwta_capi_test.bwtab";
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), std::streamsize(bytes.size()));
  bwta_bundle *bundle = nullptr;
  ASSERT_EQ(bwta_bundle_open(path.c_str(), &bundle), BWTA_OK) << lastError();
  bwta_bundle_destroy(bundle);

  bytes[bytes.size() - 1] ^= 1; // inside WEIGHTS
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), std::streamsize(bytes.size()));
  EXPECT_EQ(bwta_bundle_open(path.c_str(), &bundle), BWTA_ERROR_BUNDLE);
  EXPECT_NE(lastError().find("bundle '" + path +
                             "': section 3 (WEIGHTS) checksum mismatch"),
            std::string::npos)
      << lastError();
  std::remove(path.c_str());
  EXPECT_EQ(bwta_bundle_open(path.c_str(), &bundle), BWTA_ERROR_IO);
  EXPECT_NE(lastError().find("cannot open bundle '" + path + "'"),
            std::string::npos)
      << lastError();
}

TEST(CApiTest, RefusesNullArguments) {
  bwta_bundle *bundle = nullptr;
  EXPECT_EQ(bwta_bundle_open(nullptr, &bundle), BWTA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bwta_bundle_open_memory(nullptr, 10, &bundle),
            BWTA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bwta_bundle_open_memory("", 0, &bundle), BWTA_ERROR_BUNDLE);
  EXPECT_EQ(lastError(), "bundle '<memory>': truncated: 0 bytes is shorter "
                         "than the 24-byte header");
  EXPECT_EQ(bwta_session_create(nullptr, 0, nullptr), BWTA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bwta_session_run(nullptr), BWTA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bwta_session_run_graph(nullptr), BWTA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bwta_session_launch(nullptr, nullptr, 1), BWTA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "bwta_session_launch: session is null");
  EXPECT_EQ(bwta_session_set_input(nullptr, "x", "", 0),
            BWTA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "bwta_session_set_input: session, name and data must "
                         "not be null");
  EXPECT_EQ(bwta_bundle_num_inputs(nullptr), 0u);
  bwta_bundle_destroy(nullptr);
  bwta_session_destroy(nullptr);
  EXPECT_STREQ(bwta_status_name(BWTA_ERROR_CUDA), "BWTA_ERROR_CUDA");
}

TEST(CApiTest, SessionsSayTheyNeedCuda) {
  EXPECT_EQ(bwta_runtime_has_cuda(), 0);
  std::vector<char> bytes = TestBundle().build();
  bwta_bundle *bundle = nullptr;
  ASSERT_EQ(bwta_bundle_open_memory(bytes.data(), bytes.size(), &bundle), BWTA_OK);
  bwta_session *session = nullptr;
  EXPECT_EQ(bwta_session_create(bundle, 0, &session), BWTA_ERROR_UNSUPPORTED);
  EXPECT_EQ(session, nullptr);
  EXPECT_NE(lastError().find("built without CUDA"), std::string::npos);
  int major = 0, minor = 0;
  EXPECT_EQ(bwta_device_compute_capability(0, &major, &minor),
            BWTA_ERROR_UNSUPPORTED);
  bwta_bundle_destroy(bundle);
}

} // namespace
