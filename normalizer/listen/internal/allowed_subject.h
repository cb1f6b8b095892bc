// The allow-list of client certificate names (TlsSettings::allowed_subjects), as rsyslog's PermittedPeer: a
// name equal to a pattern ignoring ASCII case, or a `*.rest` pattern and a name whose first label is not
// empty and whose remainder is `.rest` (`*.example.org` takes `a.example.org`, not `example.org` nor
// `a.b.example.org`). Internal to listen/ (tls_server.cc); apart so that it is tested without OpenSSL.
#pragma once

#include <string>
#include <vector>

namespace strictlog::listen_internal {

// Whether a certificate with these names (its subjectAltName DNS names, or its subject CNs when it has
// none) is allowed by `patterns`.
bool subject_allowed(const std::vector<std::string>& patterns, const std::vector<std::string>& names);

}  // namespace strictlog::listen_internal
