// The report as one self-contained HTML page (`check --html`, `show
// --html`): the JSON report embedded as data and a small renderer that draws
// one swimlane per CPU, a step slider, the caches per CPU at the current
// step and the explanation with its steps as links. Nothing is fetched: no
// network, no external script, style or font.
//
// The page reads `#step=N` from its URL to open at step N (0: the initial
// state), and `#step=N&next=K` then presses its own "next" button K times.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tlbcheck::checker {

// The page for a JSON report (render_json's, or a saved one that passed
// trace_shape_error()). The protocol's text in it is untrusted: the renderer
// only ever sets it as text, never as markup.
std::string render_html(const nlohmann::json& report);

// JSON text that can sit inside a <script> element: every '<', '>' and '&'
// (which occur only inside strings) is written as a \uXXXX escape, so the
// data can never close the element ("</script>") or open a comment ("<!--").
// Bytes that are not UTF-8 become U+FFFD, as in json_text().
std::string json_for_script(const nlohmann::json& json);

}  // namespace tlbcheck::checker
