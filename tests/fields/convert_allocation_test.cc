// Checks the ConvertFn contract of fields/field_type.h that a successful conversion does not allocate
// (the line path allocates nothing per line). Allocations are counted by replacing the global
// allocation functions for this whole test binary. Every non-aligned form is replaced, all on malloc
// and free, so that sanitizers, which supply their own forms, never see a mismatched pair; they are
// noinline so that GCC does not pair an inlined malloc with a delete (-Wmismatched-new-delete).
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include <catch2/catch.hpp>

#include "fields/field_type.h"

namespace {

std::atomic<long> g_allocations{0};

[[gnu::noinline]] void* counted_malloc(std::size_t size) noexcept {
  ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}

[[gnu::noinline]] void* counted_malloc_or_throw(std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}

}  // namespace

[[gnu::noinline]] void* operator new(std::size_t n) { return counted_malloc_or_throw(n); }
[[gnu::noinline]] void* operator new[](std::size_t n) { return counted_malloc_or_throw(n); }
[[gnu::noinline]] void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
[[gnu::noinline]] void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace strictlog {
namespace {

TEST_CASE("convert: every type converts its accepts examples without allocating", "[fields]") {
  for (const FieldType* t : field_types()) {
    for (std::string_view example : t->accepts) {
      INFO(std::string(t->name) << " converts '" << std::string(example) << "'");
      Value value;
      std::string error;
      const long before = g_allocations.load();
      const bool converted = t->convert(example, &value, &error);
      const long allocations = g_allocations.load() - before;
      CHECK(converted);
      CHECK(allocations == 0);
    }
  }
}

// Texts longer than the examples, where a conversion might reach for a buffer: a decimal that needs
// from_chars' slow path (more digits than a double holds), a kv list whose duplicate check walks 100
// pairs, a host name of 253 characters, and a quoted string of a whole line.
TEST_CASE("convert: long texts convert without allocating", "[fields]") {
  std::string kv;
  for (int i = 0; i < 100; ++i) kv += (i ? " key" : "key") + std::to_string(i) + "=value" + std::to_string(i);
  const std::string label(63, 'a');
  const std::pair<std::string_view, std::string> cases[] = {
      {"float", "9007199254740993." + std::string(60, '0') + "1"},  // just above halfway between two doubles
      {"float", "0." + std::string(400, '9')},
      {"kv", kv},
      {"hostname", label + "." + label + "." + label + "." + std::string(61, 'b')},
      {"quoted", "'" + std::string(4000, 'q') + "'"},
      {"int", "-9223372036854775808"},
      {"ctime", "Thu Nov 22 09:15:02 2018"},
  };
  for (const auto& [name, text] : cases) {
    const FieldType* t = find_field_type(name);
    REQUIRE(t != nullptr);
    INFO(std::string(name) << " converts " << text.size() << " characters");
    Value value;
    std::string error;
    const long before = g_allocations.load();
    const bool converted = t->convert(text, &value, &error);
    const long allocations = g_allocations.load() - before;
    CHECK(converted);
    CHECK(allocations == 0);
  }
}

// Guards the guard: if the replacement were not in effect, the test above could never fail.
TEST_CASE("convert: the allocation counter sees a heap allocation", "[fields]") {
  const long before = g_allocations.load();
  auto* p = new std::string(100, 'x');
  const long allocations = g_allocations.load() - before;
  delete p;
  CHECK(allocations >= 1);
}

}  // namespace
}  // namespace strictlog
