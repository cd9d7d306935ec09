package dev.pgwarden.sidecar.masking.plan;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.api.v1alpha1.MaskingRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A policy's masking rules, one entry per column; a column named by two rules gets the stricter. */
public record MaskRules(List<MaskedColumn> columns) {

  public static MaskRules of(List<MaskingRule> rules) {
    Map<String, MaskedColumn> byName = new LinkedHashMap<>();
    for (MaskingRule rule : rules) {
      boolean deny = Boolean.TRUE.equals(rule.denyPredicates());
      for (String spec : rule.columns()) {
        List<String> parts = parts(spec);
        MaskedColumn c = parts.size() == 2
            ? new MaskedColumn("public", parts.get(0), parts.get(1), rule.strategy(), deny)
            : new MaskedColumn(parts.get(0), parts.get(1), parts.get(2), rule.strategy(), deny);
        byName.merge(c.qualifiedName(), c, (a, b) -> new MaskedColumn(a.schema(), a.table(), a.column(),
            stricter(a.strategy(), b.strategy()), a.denyPredicates() || b.denyPredicates()));
      }
    }
    return new MaskRules(List.copyOf(byName.values()));
  }

  public boolean isEmpty() {
    return columns.isEmpty();
  }

  /** The strictest strategy of all the rules, in the form it takes for derived values. */
  public MaskStrategy strictestDerived() {
    MaskStrategy s = MaskStrategy.PARTIAL;
    for (MaskedColumn c : columns) {
      s = stricter(s, c.strategy());
    }
    return MaskPlanner.derivedForm(s);
  }

  public boolean usesHash() {
    return columns.stream().anyMatch(c -> c.strategy() == MaskStrategy.HASH);
  }

  /** NULL shows nothing, REDACT a marker, HASH an opaque token that still joins, PARTIAL a part of the value. */
  static MaskStrategy stricter(MaskStrategy a, MaskStrategy b) {
    return rank(a) >= rank(b) ? a : b;
  }

  private static int rank(MaskStrategy s) {
    return switch (s) {
      case NULL -> 3;
      case REDACT -> 2;
      case HASH -> 1;
      case PARTIAL -> 0;
    };
  }

  /**
   * Splits {@code schema.table.column} or {@code table.column}; a part in double quotes may hold
   * dots. Parts are compared with the catalog as written: PostgreSQL stores unquoted names in
   * lower case, so {@code public.Customers.email} names nothing unless the table was created quoted.
   */
  static List<String> parts(String spec) {
    List<String> parts = new ArrayList<>(3);
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < spec.length(); i++) {
      char ch = spec.charAt(i);
      if (ch == '"') {
        if (quoted && i + 1 < spec.length() && spec.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else {
          quoted = !quoted;
        }
      } else if (ch == '.' && !quoted) {
        parts.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(ch);
      }
    }
    parts.add(cur.toString());
    if (quoted || parts.size() < 2 || parts.size() > 3 || parts.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("masked column \"" + spec + "\" must be schema.table.column or table.column");
    }
    return parts;
  }
}
