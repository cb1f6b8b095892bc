// What the protoc plugins share. Each plugin is a google::protobuf::compiler::CodeGenerator run by
// PluginMain (compiler/plugin.h); this header holds the helpers they have in common.
#pragma once

#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

#include "common/diagnostic.h"

namespace strictlog::generate {

// Renders diagnostics as protoc shows a plugin's error: one per line.
std::string plugin_error(const Diagnostics& errors);

}  // namespace strictlog::generate
