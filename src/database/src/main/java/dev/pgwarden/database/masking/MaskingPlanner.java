package dev.pgwarden.database.masking;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import dev.pgwarden.database.sql.ModePrivileges;
import dev.pgwarden.database.sql.Sql;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Decides the {@link MaskingPlan} of one apply from the policy and what the catalog holds. */
final class MaskingPlanner {
    private final MaskingPolicy policy;
    private final CatalogReader reader;
    private final Map<String, MaskingObjects.Schema> schemas;
    private final Map<String, List<MaskingObjects.View>> existing;
    private final AdminRole admin;
    private final Set<String> inPolicy;
    private final List<MaskingProblem> problems = new ArrayList<>();
    /** The masked relations (named by rules, and their children), by oid. */
    private final Map<Long, Relation> relations = new LinkedHashMap<>();
    /** Relations placed in the plan so far: each goes to one place only. */
    private final Set<Long> governed = new HashSet<>();

    private final List<Relation> outside = new ArrayList<>();
    private boolean reportedCreate;

    /**
     * @param schemas the schemas by the names masking uses, and the group's masking schemas
     * @param existing the views in each of the group's masking schemas, by schema name
     * @param admin the role applying, named in the statements it asks others to run
     */
    MaskingPlanner(
            MaskingPolicy policy,
            CatalogReader reader,
            Map<String, MaskingObjects.Schema> schemas,
            Map<String, List<MaskingObjects.View>> existing,
            AdminRole admin) {
        this.policy = policy;
        this.reader = reader;
        this.schemas = schemas;
        this.existing = existing;
        this.admin = admin;
        this.inPolicy = Set.copyOf(policy.schemas());
    }

    MaskingPlan plan() throws SQLException {
        Map<List<String>, Map<String, MaskStrategy>> rules = new LinkedHashMap<>();
        for (ColumnMask c : policy.columns()) {
            if (inPolicy.contains(c.schema())) {
                rules.computeIfAbsent(List.of(c.schema(), c.table()), k -> new LinkedHashMap<>())
                        .put(c.column(), c.strategy());
            }
        }
        Map<List<String>, Relation> named = reader.byName(rules.keySet());
        Map<Long, Map<String, MaskStrategy>> own = new HashMap<>();
        for (Map.Entry<List<String>, Relation> e : named.entrySet()) {
            own.put(e.getValue().oid(), present(e.getValue(), rules.get(e.getKey())));
        }
        Map<Long, Map<String, MaskStrategy>> masks = masks(named.values(), own);
        Map<Relation, Set<String>> restricted = new LinkedHashMap<>();
        for (Relation r : relations.values()) {
            if (!masks.get(r.oid()).isEmpty()) {
                governed.add(r.oid());
                if (inPolicy.contains(r.schema())) {
                    restricted.put(r, masks.get(r.oid()).keySet());
                } else if (r.anyHeld()) {
                    outside.add(r);
                }
            }
        }
        Map<String, String> viewSchemas = new LinkedHashMap<>();
        List<ViewDefinition> views = views(named.values(), masks, viewSchemas);
        List<Relation> withheld = withheld();
        Map<MaskingObjects.View, List<Relation>> obsolete = obsolete(views);
        List<Relation> kept = kept();
        return new MaskingPlan(views, restricted, withheld, outside, kept, obsolete, viewSchemas, problems);
    }

    /**
     * What each relation masks, by column: the tables the rules name and their partitions and
     * inheritance children (which keeps {@link #relations}), each with its own rules over what its
     * parents mask, and the generated columns that derive from a masked one.
     */
    private Map<Long, Map<String, MaskStrategy>> masks(
            Collection<Relation> named, Map<Long, Map<String, MaskStrategy>> own) throws SQLException {
        Map<Long, List<Long>> parents = reader.descendants(own.keySet());
        named.forEach(r -> relations.put(r.oid(), r));
        reader.relations(parents.keySet()).forEach(r -> relations.putIfAbsent(r.oid(), r));
        Map<Long, Map<String, MaskStrategy>> inherited = new HashMap<>();
        for (Relation r : relations.values()) {
            inherit(r.oid(), own, parents, inherited);
        }
        Map<Long, Map<String, Set<String>>> generated = reader.generatedFrom(relations.keySet());
        Map<Long, Map<String, MaskStrategy>> out = new HashMap<>();
        for (Relation r : relations.values()) {
            out.put(r.oid(), withGenerated(r, inherited.get(r.oid()), generated.getOrDefault(r.oid(), Map.of())));
        }
        AncestorMasks.add(reader, relations, out);
        return out;
    }

    /** A view for each named table with something to mask, where one can be made. */
    private List<ViewDefinition> views(
            Collection<Relation> named, Map<Long, Map<String, MaskStrategy>> masks, Map<String, String> viewSchemas) {
        String functionSchema = MaskingSchemas.functionSchema(policy.group());
        List<ViewDefinition> out = new ArrayList<>();
        if (named.stream().noneMatch(r -> !masks.get(r.oid()).isEmpty()) || !functionSchemaUsable(functionSchema)) {
            return out;
        }
        Set<String> refusedSchemas = new HashSet<>();
        for (Relation r : named) {
            String viewSchema = MaskingSchemas.viewSchema(policy.group(), r.schema());
            if (!masks.get(r.oid()).isEmpty()
                    && viewable(r)
                    && viewSchemaUsable(viewSchema, r.schema(), refusedSchemas)) {
                out.add(new ViewDefinition(r, viewSchema, masks.get(r.oid()), functionSchema));
                viewSchemas.put(r.schema(), viewSchema);
            }
        }
        return out;
    }

    /** The application's views and materialized views over masked relations. */
    private List<Relation> withheld() throws SQLException {
        List<Relation> out = new ArrayList<>();
        for (Relation v : reader.relations(reader.dependentViews(Set.copyOf(governed)))) {
            if (governed.add(v.oid())) {
                if (inPolicy.contains(v.schema())) {
                    out.add(v);
                } else if (v.anyHeld()) {
                    outside.add(v);
                }
            }
        }
        return out;
    }

    /** The group's masking views no rule asks for, each with what gets its privileges back once it is dropped. */
    private Map<MaskingObjects.View, List<Relation>> obsolete(List<ViewDefinition> views) throws SQLException {
        Set<String> wanted = new HashSet<>();
        views.forEach(v -> wanted.add(v.qualified()));
        Map<MaskingObjects.View, List<Relation>> out = new LinkedHashMap<>();
        for (List<MaskingObjects.View> inSchema : existing.values()) {
            for (MaskingObjects.View v : inSchema) {
                if (!wanted.contains(v.qualified())) {
                    out.put(v, restorable(v));
                }
            }
        }
        return out;
    }

    /** Relations an earlier apply restricted (the group holds column privileges) that nothing above explains. */
    private List<Relation> kept() throws SQLException {
        List<Relation> out = new ArrayList<>();
        for (Relation r : reader.relations(reader.withColumnGrants())) {
            if (!governed.add(r.oid())) {
                continue;
            }
            if (!inPolicy.contains(r.schema())) {
                outside.add(r);
                continue;
            }
            out.add(r);
            problems.add(MaskingProblem.runAs(
                    r.qualified(),
                    "the agent's group holds column privileges on " + r.qualified()
                            + " as on a masked table, but no rule masks it (was it renamed, or detached from a masked table?);"
                            + " it stays restricted to those columns. Name it in a rule, or give it back whole",
                    Sql.ident(r.owner()),
                    "REVOKE ALL ON TABLE " + r.qualified() + " FROM " + group() + "; GRANT "
                            + ModePrivileges.tables(policy.mode()) + " ON TABLE " + r.qualified() + " TO " + group()));
        }
        return out;
    }

    /** The rule's columns that exist; a missing one is reported, and may hold the table's other columns masked. */
    private Map<String, MaskStrategy> present(Relation r, Map<String, MaskStrategy> rule) {
        Map<String, MaskStrategy> out = new LinkedHashMap<>();
        Set<String> columns = new HashSet<>();
        r.columns().forEach(c -> columns.add(c.name()));
        List<String> missing = new ArrayList<>();
        rule.forEach((column, strategy) -> {
            if (columns.contains(column)) {
                out.put(column, strategy);
            } else {
                missing.add(column);
            }
        });
        if (missing.isEmpty()) {
            return out;
        }
        // A masked column renamed by a migration leaves the rule naming nothing and the column looking
        // unmasked. Until the rule is fixed, a table that had a view keeps every column the group
        // cannot read masked (as null), so that no rename turns a masked column into a plain one.
        List<String> held = new ArrayList<>();
        if (hadView(r)) {
            for (Relation.Column c : r.columns()) {
                if (!out.containsKey(c.name()) && !c.held().equals(Privileges.COLUMN)) {
                    out.put(c.name(), MaskStrategy.NULL);
                    held.add(c.name());
                }
            }
        }
        problems.add(MaskingProblem.inPolicy(
                r.qualified(),
                "a masking rule names column" + (missing.size() > 1 ? "s " : " ")
                        + String.join(", ", missing) + " of " + r.qualified() + ", which it does not have"
                        + (held.isEmpty()
                                ? ""
                                : "; until the rule names the table's columns, its view shows "
                                        + String.join(", ", held)
                                        + " as NULL (the agent's group could not read them)")));
        return out;
    }

    /**
     * A generated column computed from a masked column carries its value: until a rule names it, it
     * is masked whole (NULL), and reported, so that no expression of the schema's own shows what the
     * rule hides. (The proxy masks what the rules name; the rule is the fix.)
     */
    private Map<String, MaskStrategy> withGenerated(
            Relation r, Map<String, MaskStrategy> masks, Map<String, Set<String>> generated) {
        Map<String, MaskStrategy> out = new LinkedHashMap<>(masks);
        for (Map.Entry<String, Set<String>> g : generated.entrySet()) {
            List<String> sources =
                    g.getValue().stream().filter(masks::containsKey).toList();
            if (!masks.containsKey(g.getKey()) && !sources.isEmpty()) {
                out.put(g.getKey(), MaskStrategy.NULL);
                problems.add(MaskingProblem.inPolicy(
                        r.qualified(),
                        "column " + g.getKey() + " of " + r.qualified()
                                + " is generated from masked column" + (sources.size() > 1 ? "s " : " ")
                                + String.join(", ", sources)
                                + "; it shows as NULL until a masking rule names it"));
            }
        }
        return out;
    }

    private boolean hadView(Relation r) {
        String viewSchema = MaskingSchemas.viewSchema(policy.group(), r.schema());
        return existing.getOrDefault(viewSchema, List.of()).stream()
                .anyMatch(v -> v.name().equals(r.name()));
    }

    /** A relation's masks: its own rules over what its parents mask, by column name. */
    private static Map<String, MaskStrategy> inherit(
            long oid,
            Map<Long, Map<String, MaskStrategy>> own,
            Map<Long, List<Long>> parents,
            Map<Long, Map<String, MaskStrategy>> memo) {
        Map<String, MaskStrategy> known = memo.get(oid);
        if (known != null) {
            return known;
        }
        Map<String, MaskStrategy> out = new LinkedHashMap<>();
        for (long parent : parents.getOrDefault(oid, List.of())) {
            out.putAll(inherit(parent, own, parents, memo));
        }
        out.putAll(own.getOrDefault(oid, Map.of()));
        memo.put(oid, out);
        return out;
    }

    private boolean viewable(Relation r) {
        if (r.rowSecurity()) {
            problems.add(MaskingProblem.inPolicy(
                    r.qualified(),
                    r.qualified() + " has row-level security enabled; a masking"
                            + " view reads as its owner and would not apply the policies, so it gets none: the agent reads only the"
                            + " table's unmasked columns, from the table itself"));
            return false;
        }
        if (!r.adminReads()) {
            problems.add(MaskingProblem.runAs(
                    r.qualified(),
                    "the admin role " + admin.name() + " cannot read " + r.qualified()
                            + ", so a masking view of it would fail; the agent reads only the table's unmasked columns",
                    Sql.ident(r.owner()),
                    "GRANT SELECT ON TABLE " + r.qualified() + " TO " + Sql.ident(admin.name())));
            return false;
        }
        return true;
    }

    private boolean functionSchemaUsable(String name) {
        MaskingObjects.Schema s = schemas.get(name);
        if (s == null && !mayCreateSchemas()) {
            return false;
        }
        if (s == null || s.comment().startsWith(MaskingObjects.FUNCTION_SCHEMA_COMMENT + policy.group() + ", ")) {
            if (s != null && !s.manageable()) {
                problems.add(
                        MaskingProblem.inPolicy(
                                Sql.ident(name),
                                "schema " + Sql.ident(name) + " holds the"
                                        + " masking functions of role " + policy.group() + " but the admin role "
                                        + admin.name() + " does not own it;"
                                        + " no masking view is made or changed, and the agent reads masked tables' unmasked columns only"));
                return false;
            }
            return true;
        }
        problems.add(MaskingProblem.inPolicy(
                Sql.ident(name),
                "schema " + Sql.ident(name) + " exists but pgwarden"
                        + " did not create it for role " + policy.group()
                        + "; no masking view is made, and the agent reads masked"
                        + " tables' unmasked columns only. Rename or drop that schema"));
        return false;
    }

    private boolean viewSchemaUsable(String name, String source, Set<String> refused) {
        MaskingObjects.Schema s = schemas.get(name);
        if (s == null && !mayCreateSchemas()) {
            return false;
        }
        if (s == null || s.source().equals(Optional.of(source)) && s.manageable()) {
            return true;
        }
        if (refused.add(name)) {
            problems.add(MaskingProblem.inPolicy(
                    Sql.ident(name),
                    "schema " + Sql.ident(name)
                            + (s.source().equals(Optional.of(source))
                                    ? " holds masking views but the admin role " + admin.name() + " does not own it"
                                    : " exists but pgwarden did not create it for the masking views of schema "
                                            + source)
                            + "; masked tables in " + source
                            + " get no view, and the agent reads their unmasked columns only."
                            + " Rename or drop that schema"));
        }
        return false;
    }

    /** Whether the admin may create the masking schemas; reported once when it may not. */
    private boolean mayCreateSchemas() {
        if (!admin.createsSchemas() && !reportedCreate) {
            reportedCreate = true;
            String database = Sql.ident(admin.database());
            problems.add(MaskingProblem.runAs(
                    database,
                    "the admin role " + admin.name() + " may not create schemas in"
                            + " database " + admin.database()
                            + ", so the masking views cannot be made; the agent reads masked tables'"
                            + " unmasked columns only",
                    Sql.ident(admin.databaseOwner()),
                    "GRANT CREATE ON DATABASE " + database + " TO " + Sql.ident(admin.name())));
        }
        return admin.createsSchemas();
    }

    /**
     * What gets its plain privileges back once an obsolete view is dropped: the table it masked if
     * that still has the view's name (a rule was removed; a renamed table stays restricted), and the
     * table's children, unless they are governed otherwise.
     */
    private List<Relation> restorable(MaskingObjects.View view) throws SQLException {
        if (view.source().isEmpty() || governed.contains(view.source().get())) {
            return List.of();
        }
        Set<Long> oids = new LinkedHashSet<>();
        oids.add(view.source().get());
        oids.addAll(reader.descendants(List.of(view.source().get())).keySet());
        List<Relation> out = new ArrayList<>();
        for (Relation r : reader.relations(oids)) {
            if (governed.add(r.oid())) {
                if (inPolicy.contains(r.schema())) {
                    out.add(r);
                } else if (r.anyHeld()) {
                    outside.add(r);
                }
            }
        }
        return out;
    }

    private String group() {
        return Sql.ident(policy.group());
    }
}
