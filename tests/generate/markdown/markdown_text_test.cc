// Markdown text from .proto comments (generate/internal/markdown_text.h): what GitHub would otherwise read as
// markup is escaped, code spans are kept, and anchors are the ones github.com gives headings. The expected
// renderings were checked with cmark-gfm 0.29 (Debian's, the GFM reference implementation).
#include "generate/internal/markdown_text.h"

#include <catch2/catch.hpp>

#include <string>

namespace strictlog::generate::markdown {
namespace {

struct Case {
  const char* text;
  const char* expected;
};

TEST_CASE("inline_text keeps code spans and escapes what GitHub would take as markup", "[markdown]") {
  const Case cases[] = {
      {"plain words, digits 0-9 and: colons", "plain words, digits 0-9 and: colons"},
      // Two `*` around a path are emphasis to GFM (both are left- and right-flanking after a `/`).
      {"rules openvpn/*/a, openvpn/*/b", "rules openvpn/\\*/a, openvpn/\\*/b"},
      {"`openvpn/*/a` in code", "`openvpn/*/a` in code"},
      // A bare <word> is an HTML tag to GitHub, which drops it.
      {"<start> being the start time", "&lt;start> being the start time"},
      {"`<start>.<n>`", "`<start>.<n>`"},
      {"a & b, &lt; as text", "a &amp; b, &amp;lt; as text"},
      // Inside a word an underscore is never emphasis; at a word's edge it may be.
      {"time_zone and _private_ and SSH_ERR_NO_*_ALG", "time_zone and \\_private\\_ and SSH_ERR_NO\\_\\*\\_ALG"},
      {"a [link](x) and proto_names[]", "a \\[link](x) and proto_names\\[]"},
      {"$HOME and ~user, ~~struck~~", "\\$HOME and \\~user, \\~\\~struck\\~\\~"},
      {"back\\slash", "back\\\\slash"},
      // Outside a table a pipe is text.
      {"a | b", "a | b"},
      // A backtick that opens no span (no closing run of the same length) is text.
      {"it's `open", "it's \\`open"},
      {"``a ` b`` then `c`", "``a ` b`` then `c`"},
      {"``two`", "\\`\\`two\\`"},
      {"a code span `across\nlines`", "a code span `across\nlines`"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(inline_text(c.text) == c.expected);
  }
}

TEST_CASE("inline_text in a table cell escapes every pipe, in code spans too", "[markdown]") {
  CHECK(inline_text("a | b `x|y`", Context::kTableCell) == "a \\| b `x\\|y`");
  CHECK(code("a|b", Context::kTableCell) == "`a\\|b`");
  CHECK(code("a|b") == "`a|b`");
}

TEST_CASE("code picks a fence longer than any backtick run inside", "[markdown]") {
  CHECK(code("x") == "`x`");
  CHECK(code("a`b") == "``a`b``");
  CHECK(code("a``b`c") == "```a``b`c```");
  // A span that starts or ends with a backtick needs a space inside the fence (CommonMark strips one each).
  CHECK(code("`x") == "`` `x ``");
  CHECK(code("   alice : leading spaces") == "`   alice : leading spaces`");
}

TEST_CASE("comment_block keeps paragraphs and list items and escapes block markup at line starts", "[markdown]") {
  CHECK(comment_block("") == "");
  CHECK(comment_block("One line.") == "One line.\n");
  CHECK(comment_block("First\nparagraph.\n\n\nSecond.") == "First\nparagraph.\n\nSecond.\n");
  // Indentation would make an indented code block after a blank line.
  CHECK(comment_block("Deviations:\n  - one\n    more\n\n    Not code.") == "Deviations:\n- one\nmore\n\nNot code.\n");
  CHECK(comment_block("#1 is\n> not a quote\n+ nor a list\n---\n===") ==
        "\\#1 is\n\\> not a quote\n\\+ nor a list\n\\---\n\\===\n");
  // Near miss: a `-` not followed by a space starts no list and no underline.
  CHECK(comment_block("-Wall and\n-- two") == "-Wall and\n-- two\n");
}

TEST_CASE("comment_cell puts a comment on one line", "[markdown]") {
  CHECK(comment_cell("") == "");
  CHECK(comment_cell("The client,\nas printed.") == "The client, as printed.");
  CHECK(comment_cell("One.\n\nTwo | three.") == "One.<br><br>Two \\| three.");
  CHECK(comment_cell("Forms:\n  - `a|b`\n  - c\n    continued") == "Forms:<br>- `a\\|b`<br>- c continued");
}

TEST_CASE("first_sentence ends at a period outside code that ends the text or a word", "[markdown]") {
  CHECK(first_sentence("") == "");
  CHECK(first_sentence("One normalized log line.") == "One normalized log line.");
  CHECK(first_sentence("Why a line was quarantined. Bounded on purpose.") == "Why a line was quarantined.");
  CHECK(first_sentence("Split over\nlines. Next.") == "Split over lines.");
  CHECK(first_sentence("Version 2.6 and `a. b` stay. Next.") == "Version 2.6 and `a. b` stay.");
  CHECK(first_sentence("Ids, e.g. `x`, i.e. names. Next.") == "Ids, e.g. `x`, i.e. names.");
  CHECK(first_sentence("No period at all\n\nSecond paragraph.") == "No period at all");
}

TEST_CASE("github_anchor is the anchor github.com gives a heading", "[markdown]") {
  const Case cases[] = {
      {"`openvpn_tls_handshake_failed`", "openvpn_tls_handshake_failed"},
      {"Columns of every `Event` table", "columns-of-every-event-table"},
      {"`strictlog.v1.AuthStatus`", "strictlogv1authstatus"},
      {"How to read this reference", "how-to-read-this-reference"},
      {"linux-pam events (1.1)", "linux-pam-events-11"},
      {"Other `Event` payloads", "other-event-payloads"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(github_anchor(c.text) == c.expected);
  }
}

}  // namespace
}  // namespace strictlog::generate::markdown
