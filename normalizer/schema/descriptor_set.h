// A data model given as a file: a binary FileDescriptorSet (`protoc --include_imports --descriptor_set_out=F`)
// built into a DescriptorPool of its own, so that `strictlog schema` can compare two versions (compat.h)
// and render their tables (table.h, ddl.h) without the .proto files or protoc.
//
// Each set gets a fresh pool, not the compiled-in one as an underlay: a set may hold another version of
// strictlog's own files, whose names would clash with the compiled-in ones. The custom options
// `(strictlog.v1.store)` and `(strictlog.v1.column)` still read as typed extensions (table.h calls
// GetExtension on them): the set is parsed by the generated FileDescriptorSet class, whose parser knows
// every extension linked into the program (options.pb.cc is, through table.cc), and a pool copies a file's
// options from its FileDescriptorProto as they are. tests/cli/schema_test.cc checks that the tables of a set
// are found through them.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace strictlog::schema {

class DescriptorSet {
 public:
  // Reads and builds the set at `path`. Errors (plain, naming `path`):
  //   read-failed     `cannot read 'v1.binpb': No such file or directory`
  //   descriptor-set  `'notes.txt' is not a binary FileDescriptorSet (make one with protoc --include_imports
  //                   --descriptor_set_out=FILE)`, also for a set holding no file
  //   descriptor-set  `'v1.binpb': acme/v1/events.proto imports strictlog/v1/options.proto, which the set does
  //                   not hold (make it with protoc --include_imports)`
  //   descriptor-set  `'v1.binpb': acme/v1/events.proto: acme.v1.Login.outcome: "Outcome" is not defined.`:
  //                   every error protobuf reports while building, each once
  static Result<std::unique_ptr<DescriptorSet>> load(const std::string& path);
  // The same for a set already in memory; `name` stands for the path in errors.
  static Result<std::unique_ptr<DescriptorSet>> build(google::protobuf::FileDescriptorSet set, const std::string& name);

  DescriptorSet(const DescriptorSet&) = delete;
  DescriptorSet& operator=(const DescriptorSet&) = delete;

  const google::protobuf::FileDescriptorSet& protos() const { return protos_; }
  // Every file of the set, in the set's order (for protoc's sets: dependencies first). They live as long
  // as this object.
  const std::vector<const google::protobuf::FileDescriptor*>& files() const { return files_; }

 private:
  DescriptorSet() = default;

  google::protobuf::FileDescriptorSet protos_;
  google::protobuf::DescriptorPool pool_;
  std::vector<const google::protobuf::FileDescriptor*> files_;
};

}  // namespace strictlog::schema
