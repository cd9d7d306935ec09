package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What one statement does, as far as policy is concerned. Depends only on the statement's shape,
 * never on its literal values, so one classification serves every statement with the same
 * fingerprint.
 *
 * @param kind the statement's own kind (its leading keyword)
 * @param effects every kind the statement performs: its own plus those of what it embeds and
 *     runs (a data-modifying CTE, the body of {@code EXPLAIN ANALYZE}, {@code PREPARE},
 *     {@code DECLARE}, {@code COPY (query)}, {@code SELECT INTO})
 * @param reads tables read, as written (schema-qualified when the statement qualifies them)
 * @param writes tables written or changed
 * @param unbounded an UPDATE or DELETE (here or embedded) with no WHERE, or one that is always true
 * @param functions functions called, lower-cased, without schema
 * @param target the setting, prepared statement or cursor the statement names (an EXECUTE's
 *     when the statement runs one), or null
 * @param hazards what the built-in guards look at beyond kinds and functions
 * @param problem why the statement is UNPARSEABLE, else null
 * @param lineage where its values come from and go, for masking; null when pgwarden could not
 *     read it (masking then assumes the worst)
 * @param code the code it runs or plants that pgwarden cannot see into ("a DO block", "function
 *     f()", "CREATE TRIGGER"); the policy counts such code as every kind of write
 * @param names every name the statement's text holds (words and quoted identifiers as PostgreSQL
 *     resolves them, schemas of qualified calls left out), read by pgwarden's lexer: masking's check
 *     that the parser's reading left no relation or strict column out. Null when the text could not
 *     be lexed, which means no name can be ruled out
 */
public record Classification(
        StatementKind kind,
        Set<StatementKind> effects,
        Set<String> reads,
        Set<String> writes,
        boolean unbounded,
        Set<String> functions,
        Target target,
        Set<Hazard> hazards,
        String problem,
        Lineage lineage,
        Set<String> code,
        Set<String> names) {

    /** Properties of a statement that built-in guards refuse or hold whatever the rules say. */
    public enum Hazard {
        /** COPY to or from a program on the database server. */
        SERVER_PROGRAM,
        /** COPY to or from a file on the database server. */
        SERVER_FILE,
        /** LOAD of a shared library into the server. */
        LOAD_LIBRARY,
        /** SET/RESET ROLE or SESSION AUTHORIZATION: a change of identity. */
        IDENTITY_CHANGE,
        /** Turns a transaction or the session read-write. */
        READ_WRITE_TRANSACTION,
        /** Changes a setting the proxy relies on (client encoding, string literal syntax). */
        PROTECTED_SETTING,
        /** EXECUTE of a prepared statement: the decision is the prepared body's. */
        RUNS_PREPARED,
        /**
         * Every set_config call names its setting with a literal, and the guards SET meets were applied
         * to each: the calls need no approval of their own.
         */
        SETTINGS_NAMED,
        /** DO, CREATE FUNCTION/PROCEDURE/RULE/TRIGGER: code whose reads pgwarden cannot follow. */
        DECLARES_CODE
    }

    public static Classification unparseable(String problem) {
        return unparseable(problem, Set.of());
    }

    /**
     * @param suspected what the statement may do, as far as its keywords tell (see
     *     {@link TokenScans#suspectedEffects}): the effects carry them, so that ReadOnly denies an
     *     unparseable write and rules on those kinds apply; a suspected UPDATE or DELETE counts as
     *     unbounded, since its WHERE could not be read
     */
    public static Classification unparseable(String problem, Set<StatementKind> suspected) {
        EnumSet<StatementKind> effects = EnumSet.of(StatementKind.UNPARSEABLE);
        effects.addAll(suspected);
        boolean unbounded = suspected.contains(StatementKind.UPDATE) || suspected.contains(StatementKind.DELETE);
        return new Classification(
                StatementKind.UNPARSEABLE,
                Collections.unmodifiableSet(effects),
                Set.of(),
                Set.of(),
                unbounded,
                Set.of(),
                null,
                Set.of(),
                problem,
                null,
                Set.of(),
                null);
    }

    /** This classification with the names of its text (null: the text could not be lexed). */
    public Classification named(Set<String> textNames) {
        return new Classification(
                kind, effects, reads, writes, unbounded, functions, target, hazards, problem, lineage, code, textNames);
    }

    public boolean hasEffect(StatementKind k) {
        return effects.contains(k);
    }

    public boolean hasHazard(Hazard h) {
        return hazards.contains(h);
    }

    /** Whether it runs or plants code pgwarden cannot see into. */
    public boolean runsCode() {
        return !code.isEmpty();
    }

    /** The effects in declaration order, for stable output. */
    public List<StatementKind> effectsInOrder() {
        return effects.stream().sorted().toList();
    }
}
