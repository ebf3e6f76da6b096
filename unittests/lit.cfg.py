# -*- Python -*-
# Runs every gtest binary under <build>/unittests as part of check-bwta.
import os

import lit.formats

config.name = "BWTA-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.bwta_obj_root, "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Test")
