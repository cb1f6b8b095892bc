#include "generate/internal/markdown_text.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace strictlog::generate::markdown {

namespace {

// protoc's comment text: each line keeps the space after `//` and ends in '\n'.
std::string strip_comment(const std::string& raw) {
  std::string out;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('\n', start);
    if (end == std::string::npos) end = raw.size();
    std::string_view line(raw.data() + start, end - start);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!out.empty() || start > 0) out += '\n';
    out += line;
    start = end + 1;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

size_t backtick_run(std::string_view t, size_t i) {
  size_t n = 0;
  while (i + n < t.size() && t[i + n] == '`') ++n;
  return n;
}

// The position of the run of exactly `run` backticks that closes a code span opened before `from`, or npos.
size_t closing_run(std::string_view t, size_t from, size_t run) {
  for (size_t j = from; j < t.size();) {
    if (t[j] != '`') {
      ++j;
      continue;
    }
    size_t n = backtick_run(t, j);
    if (n == run) return j;
    j += n;
  }
  return std::string_view::npos;
}

std::string_view trim_left(std::string_view line) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

bool blank(std::string_view line) { return trim_left(line).empty(); }

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Runs of non-blank lines, each line without its indentation.
std::vector<std::vector<std::string_view>> paragraphs_of(std::string_view comment) {
  std::vector<std::vector<std::string_view>> paragraphs;
  bool open = false;
  for (std::string_view line : lines_of(comment)) {
    if (blank(line)) {
      open = false;
      continue;
    }
    if (!open) paragraphs.emplace_back();
    open = true;
    paragraphs.back().push_back(trim_left(line));
  }
  return paragraphs;
}

bool list_item(std::string_view line) { return line.size() >= 2 && line[0] == '-' && line[1] == ' '; }

// A line of only `=` or `-` (and spaces) underlines the line before it as a heading, or is a thematic break.
bool underline(std::string_view line) {
  bool any = false;
  for (char c : line) {
    if (c == ' ') continue;
    if (c != '=' && c != '-') return false;
    any = true;
  }
  return any;
}

}  // namespace

template <typename Descriptor>
std::string comment_of(const Descriptor* d) {
  google::protobuf::SourceLocation loc;
  if (!d->GetSourceLocation(&loc)) return {};
  std::string leading = strip_comment(loc.leading_comments);
  std::string trailing = strip_comment(loc.trailing_comments);
  if (leading.empty()) return trailing;
  if (trailing.empty()) return leading;
  return leading + "\n" + trailing;
}

template std::string comment_of(const google::protobuf::Descriptor*);
template std::string comment_of(const google::protobuf::FieldDescriptor*);
template std::string comment_of(const google::protobuf::EnumDescriptor*);
template std::string comment_of(const google::protobuf::EnumValueDescriptor*);
template std::string comment_of(const google::protobuf::OneofDescriptor*);

std::string inline_text(std::string_view t, Context context) {
  std::string out;
  for (size_t i = 0; i < t.size();) {
    char c = t[i];
    if (c == '`') {
      size_t run = backtick_run(t, i);
      size_t close = closing_run(t, i + run, run);
      if (close == std::string_view::npos) {
        for (size_t k = 0; k < run; ++k) out += "\\`";
      } else {
        for (char in : t.substr(i, close + run - i)) {
          if (in == '|' && context == Context::kTableCell) out += '\\';
          out += in;
        }
        run = close + run - i;
      }
      i += run;
      continue;
    }
    switch (c) {
      case '<': out += "&lt;"; break;
      case '&': out += "&amp;"; break;
      case '\\':
      case '*':
      case '[':
      case '~':  // GFM strikethrough, one tilde or two
      case '$':  // GitHub math
        out += '\\';
        out += c;
        break;
      case '|':
        if (context == Context::kTableCell) out += '\\';
        out += c;
        break;
      case '_':
        // Inside a word (`time_zone`) an underscore is never emphasis; at its edges it may be.
        if (!(i > 0 && is_alnum(t[i - 1]) && i + 1 < t.size() && is_alnum(t[i + 1]))) out += '\\';
        out += c;
        break;
      default: out += c;
    }
    ++i;
  }
  return out;
}

std::string comment_block(std::string_view comment) {
  std::string out;
  for (const auto& paragraph : paragraphs_of(comment)) {
    std::string joined;
    for (std::string_view line : paragraph) {
      if (!joined.empty()) joined += '\n';
      joined += line;
    }
    if (!out.empty()) out += '\n';
    std::string escaped = inline_text(joined);
    for (std::string_view line : lines_of(escaped)) {
      if (!line.empty() && (line.front() == '#' || line.front() == '>' || line.front() == '+' || underline(line))) {
        out += '\\';
      }
      out += line;
      out += '\n';
    }
  }
  return out;
}

std::string comment_cell(std::string_view comment) {
  std::string out;
  for (const auto& paragraph : paragraphs_of(comment)) {
    if (!out.empty()) out += "<br><br>";
    std::string item;
    bool first = true;
    auto flush = [&] {
      if (!first) out += "<br>";
      out += inline_text(item, Context::kTableCell);
      item.clear();
      first = false;
    };
    for (std::string_view line : paragraph) {
      if (list_item(line) && !item.empty()) flush();
      if (!item.empty()) item += ' ';
      item += line;
    }
    flush();
  }
  return out;
}

std::string first_sentence(std::string_view comment) {
  auto paragraphs = paragraphs_of(comment);
  if (paragraphs.empty()) return {};
  std::string text;
  for (std::string_view line : paragraphs.front()) {
    if (!text.empty()) text += ' ';
    text += line;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '`') {
      size_t run = backtick_run(text, i);
      size_t close = closing_run(text, i + run, run);
      i = (close == std::string::npos ? i + run : close + run) - 1;
      continue;
    }
    if (text[i] != '.' || (i + 1 < text.size() && text[i + 1] != ' ')) continue;
    std::string_view before = std::string_view(text).substr(0, i);
    if (before.ends_with("e.g") || before.ends_with("i.e")) continue;
    return text.substr(0, i + 1);
  }
  return text;
}

std::string code(std::string_view text, Context context) {
  size_t longest = 0;
  for (size_t i = 0; i < text.size();) {
    size_t run = backtick_run(text, i);
    longest = std::max(longest, run);
    i += run == 0 ? 1 : run;
  }
  std::string fence(longest + 1, '`');
  bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  std::string out = fence + (pad ? " " : "");
  for (char c : text) {
    if (c == '|' && context == Context::kTableCell) out += '\\';
    out += c;
  }
  return out + (pad ? " " : "") + fence;
}

std::string github_anchor(std::string_view heading_text) {
  std::string out;
  for (char c : heading_text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80 || std::isalnum(u) || c == '-' || c == '_') {
      out += static_cast<char>(std::tolower(u));  // bytes of non-ASCII letters kept as they are
    } else if (c == ' ') {
      out += '-';
    }
  }
  return out;
}

}  // namespace strictlog::generate::markdown
