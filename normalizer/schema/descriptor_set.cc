#include "schema/descriptor_set.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

namespace strictlog::schema {

namespace {

using google::protobuf::FileDescriptorProto;

Diagnostic set_error(std::string message) { return plain_error("descriptor-set", std::move(message)); }

// Collects what DescriptorPool reports while building a file, each message once.
class Collector : public google::protobuf::DescriptorPool::ErrorCollector {
 public:
  Collector(const std::string& name, Diagnostics& errors) : name_(name), errors_(errors) {}

  void AddError(const std::string& filename, const std::string& element_name, const google::protobuf::Message*,
                ErrorLocation, const std::string& message) override {
    std::string text = element_name.empty() || element_name == filename
                           ? fmt::format("'{}': {}: {}", name_, filename, message)
                           : fmt::format("'{}': {}: {}: {}", name_, filename, element_name, message);
    if (seen_.insert(text).second) errors_.push_back(set_error(std::move(text)));
  }

 private:
  const std::string& name_;
  Diagnostics& errors_;
  std::set<std::string> seen_;
};

// The whole file; errors name it with the system's reason (`Is a directory` included).
Result<std::string> read_file(const std::string& path) {
  auto failed = [&] { return plain_error("read-failed", fmt::format("cannot read '{}': {}", path, std::strerror(errno))); };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failed();
  std::string bytes;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Diagnostic error = failed();
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return bytes;
}

}  // namespace

Result<std::unique_ptr<DescriptorSet>> DescriptorSet::load(const std::string& path) {
  Result<std::string> bytes = read_file(path);
  if (!bytes) return bytes.errors();
  google::protobuf::FileDescriptorSet set;
  // Text that happens to parse (any bytes may read as unknown fields) is caught by the unknown fields:
  // a set protoc writes has none.
  if (!set.ParseFromString(*bytes) || set.file_size() == 0 || !set.unknown_fields().empty()) {
    return set_error(fmt::format(
        "'{}' is not a binary FileDescriptorSet (make one with protoc --include_imports --descriptor_set_out=FILE)",
        path));
  }
  return build(std::move(set), path);
}

Result<std::unique_ptr<DescriptorSet>> DescriptorSet::build(google::protobuf::FileDescriptorSet set,
                                                            const std::string& name) {
  std::unique_ptr<DescriptorSet> out(new DescriptorSet());
  out->protos_ = std::move(set);
  std::map<std::string, const FileDescriptorProto*> by_name;
  for (const FileDescriptorProto& f : out->protos_.file()) by_name.emplace(f.name(), &f);

  Diagnostics errors;
  Collector collector(name, errors);
  std::map<std::string, const google::protobuf::FileDescriptor*> built;
  std::set<std::string> open;  // on the current import path: a cycle is reported by protoc, never written
  // Builds `file` after its imports, so the pool never needs a database to find them.
  auto build_file = [&](const FileDescriptorProto& file, auto& self) -> const google::protobuf::FileDescriptor* {
    if (auto it = built.find(file.name()); it != built.end()) return it->second;
    if (!open.insert(file.name()).second) {
      errors.push_back(set_error(fmt::format("'{}': {} imports itself through its imports", name, file.name())));
      return nullptr;
    }
    bool imports_ok = true;
    for (const std::string& dep : file.dependency()) {
      auto it = by_name.find(dep);
      if (it == by_name.end()) {
        errors.push_back(set_error(fmt::format("'{}': {} imports {}, which the set does not hold (make it with protoc "
                                               "--include_imports)",
                                               name, file.name(), dep)));
        imports_ok = false;
      } else if (self(*it->second, self) == nullptr) {
        imports_ok = false;
      }
    }
    open.erase(file.name());
    const google::protobuf::FileDescriptor* d =
        imports_ok ? out->pool_.BuildFileCollectingErrors(file, &collector) : nullptr;
    built[file.name()] = d;
    return d;
  };
  for (const FileDescriptorProto& f : out->protos_.file()) {
    if (by_name[f.name()] != &f) {
      errors.push_back(set_error(fmt::format("'{}': holds {} twice", name, f.name())));
      continue;
    }
    out->files_.push_back(build_file(f, build_file));
  }
  if (!errors.empty()) return errors;
  return out;
}

}  // namespace strictlog::schema
