#include "common/diagnostic.h"

#include <fmt/format.h>

namespace strictlog {

std::string_view SourceFile::line_text(uint32_t line) const {
  std::string_view t = text;
  for (uint32_t n = 1; n < line; ++n) {
    auto nl = t.find('\n');
    if (nl == std::string_view::npos) return {};
    t.remove_prefix(nl + 1);
  }
  t = t.substr(0, t.find('\n'));
  if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
  return t;
}

namespace {

constexpr int kTabWidth = 8;

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Expands tabs and returns the display column (0-based) of byte column `col` (1-based).
std::string expand(std::string_view line, uint32_t col, size_t* caret) {
  std::string out;
  size_t display = 0;
  *caret = std::string::npos;
  for (size_t i = 0; i < line.size(); ++i) {
    if (i + 1 == col) *caret = display;
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == '\t') {
      size_t n = kTabWidth - display % kTabWidth;
      out.append(n, ' ');
      display += n;
    } else {
      out.push_back(static_cast<char>(c));
      if (!is_continuation(c)) ++display;
    }
  }
  if (*caret == std::string::npos) *caret = display;  // caret at end of line (e.g. missing ';')
  return out;
}

void render_at(std::string& out, const Position& p, std::string_view message, std::string_view code) {
  if (!p.source) {
    out += code.empty() ? fmt::format("{}\n", message) : fmt::format("{} [{}]\n", message, code);
    return;
  }
  out += fmt::format("{}:{}:{}: {}", p.source->path, p.line, p.column, message);
  out += code.empty() ? "\n" : fmt::format(" [{}]\n", code);
  size_t caret = 0;
  std::string shown = expand(p.source->line_text(p.line), p.column, &caret);
  out += fmt::format("  {}\n  {}^\n", shown, std::string(caret, ' '));
}

}  // namespace

std::string to_string(const Position& p) {
  return fmt::format("{}:{}:{}", p.source ? p.source->path : "<unknown>", p.line, p.column);
}

std::string render(const Diagnostic& d) {
  std::string out;
  render_at(out, d.where, d.message, d.code);
  for (const auto& n : d.notes) render_at(out, n.where, "note: " + n.message, "");
  return out;
}

std::string render(const Diagnostics& ds) {
  std::string out;
  for (const auto& d : ds) out += render(d);
  return out;
}

}  // namespace strictlog
