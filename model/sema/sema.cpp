#include "model/sema/sema.hpp"

#include "model/sema/analysis.hpp"

namespace tlbcheck::model {


std::string defines_text(const std::vector<Define>& defines) {
  std::string text;
  for (const Define& d : defines) text += "-D " + d.name + "=" + d.value + "\n";
  return text;
}

std::string type_name(const Type& t, const std::vector<EnumInfo>& enums, const std::vector<RecordInfo>* records) {
  std::string s;
  switch (t.kind) {
    case TypeKind::Error: s = "<error>"; break;
    case TypeKind::Void: s = "no value"; break;
    case TypeKind::Bool: s = "bool"; break;
    case TypeKind::Int: s = "int[" + std::to_string(t.lo) + ".." + std::to_string(t.hi) + "]"; break;
    case TypeKind::Enum: s = t.enum_id < enums.size() ? "enum " + enums[t.enum_id].name : "enum"; break;
    case TypeKind::Cpu: s = "cpu"; break;
    case TypeKind::Mask: s = "cpumask"; break;
    case TypeKind::Mm: s = "mm"; break;
    case TypeKind::Frame: s = "frame"; break;
    case TypeKind::Page: s = "page"; break;
    case TypeKind::Task: s = "task"; break;
    case TypeKind::Pte: s = "pte"; break;
    case TypeKind::Record: s = records != nullptr && t.enum_id < records->size() ? "struct " + (*records)[t.enum_id].name : "struct"; break;
  }
  for (std::size_t k = 0; k < t.dims.size(); ++k) {
    const std::int32_t by = k < t.dim_enums.size() ? t.dim_enums[k] : -1;
    s += "[" + (by >= 0 && std::size_t(by) < enums.size() ? enums[std::size_t(by)].name : std::to_string(t.dims[k])) + "]";
  }
  return s;
}

std::uint32_t AnalyzedModule::slots_of(const Type& t) const {
  std::uint32_t n = t.kind == TypeKind::Record ? records[t.enum_id].slots : 1;
  for (std::uint32_t d : t.dims) n *= d;
  return n;
}

namespace {
void add_leaves(const AnalyzedModule& m, const Type& t, std::size_t dim, std::int64_t init, const std::string& path, std::vector<Leaf>& out) {
  if (dim < t.dims.size()) {
    // an element per value of an enum (`T[E]`) is named by the value: in_use[B]
    const std::int32_t by = dim < t.dim_enums.size() ? t.dim_enums[dim] : -1;
    for (std::uint32_t i = 0; i < t.dims[dim]; ++i) {
      const std::string index = by >= 0 && i < m.enums[std::size_t(by)].members.size() ? std::string(m.enums[std::size_t(by)].members[i]) : std::to_string(i);
      add_leaves(m, t, dim + 1, init, path + "[" + index + "]", out);
    }
    return;
  }
  Type scalar = t;
  scalar.dims.clear();
  if (scalar.kind != TypeKind::Record) {
    out.push_back({path, scalar, init});
    return;
  }
  for (const RecordField& f : m.records[scalar.enum_id].fields) add_leaves(m, f.type, 0, f.init, path + "." + std::string(f.name), out);
}
}  // namespace

std::vector<Leaf> AnalyzedModule::leaves(const Type& t, std::int64_t init) const {
  std::vector<Leaf> out;
  add_leaves(*this, t, 0, init, "", out);
  return out;
}

AnalyzedModule analyze(Module module, const std::vector<Define>& defines, const SourceFile& defines_file, Diagnostics& diags) {
  sema::Analysis c(std::move(module), defines, defines_file, diags);
  return c.run();
}

}  // namespace tlbcheck::model
