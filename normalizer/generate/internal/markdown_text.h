// Text for GitHub-flavoured Markdown (GFM, https://github.github.com/gfm/) taken from .proto comments: what
// protoc-gen-strictlog-markdown writes into docs/reference/events.md. A comment's `code spans` are kept as
// written; everything else is escaped so that it reads as the comment's author wrote it, however GitHub would
// otherwise take it (`openvpn/*/x, y/*/z` is not emphasis, `<start>` is not an HTML tag, `$HOME` is not
// math, a `|` does not end a table cell).
#pragma once

#include <string>
#include <string_view>

namespace strictlog::generate::markdown {

// The comment on a declaration (a message, field, oneof, enum or enum value): its leading comment, then its
// trailing one, each line without the `//` and the one space after it, lines joined by '\n', without a
// final newline. Empty when it has none, or when the descriptors came without source info (protoc gives a
// plugin the source info of the files it generates for).
template <typename Descriptor>
std::string comment_of(const Descriptor* d);

// Where text goes: a table cell must escape every `|`, code spans included (GFM splits cells before it
// reads code spans), which elsewhere would show the backslash.
enum class Context { kBlock, kTableCell };

// `text` as Markdown inline text: code spans kept, every other character that Markdown or GitHub would
// interpret escaped. A backtick that opens no code span is escaped too. Newlines are kept.
std::string inline_text(std::string_view text, Context context = Context::kBlock);

// A comment as Markdown block text: one paragraph per run of non-blank lines, each line's indentation
// removed (so that no line becomes an indented code block) and a line that would open a heading, a quote or
// a setext underline escaped; a line starting with `- ` stays a list item. Ends in a newline unless empty.
std::string comment_block(std::string_view comment);

// A comment as the content of one table cell: lines joined by spaces, paragraphs by `<br><br>`, a line
// starting with `- ` on a line of its own (`<br>`).
std::string comment_cell(std::string_view comment);

// The comment's first sentence: up to the first `.` (outside code spans) that ends the text or is followed
// by whitespace, its lines joined by spaces. The whole first paragraph when it has no such period.
std::string first_sentence(std::string_view comment);

// `text` as one code span: `x`, or ``a`b`` with a fence longer than any backtick run inside (and spaces
// inside the fence when the text starts or ends with a backtick).
std::string code(std::string_view text, Context context = Context::kBlock);

// The anchor GitHub gives a heading (github-slugger, as github.com renders README and docs pages): the text
// lowercased, every character but letters, digits, `-`, `_` and spaces removed, spaces turned into `-`. The
// text is the heading as written: "### `openvpn_peer_info`" has the text "`openvpn_peer_info`" and the
// anchor `openvpn_peer_info`. Duplicate headings get `-1`, `-2`, ...: callers keep headings unique instead.
std::string github_anchor(std::string_view heading_text);

}  // namespace strictlog::generate::markdown
