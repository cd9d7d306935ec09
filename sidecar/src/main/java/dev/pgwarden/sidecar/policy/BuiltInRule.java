package dev.pgwarden.sidecar.policy;

import java.util.HashMap;
import java.util.Map;

/**
 * The rules pgwarden applies whatever a policy says, each with the name users see in errors,
 * audit events and {@code pgwarden check}. A verdict's rule is one of these or a policy's own
 * ({@code defaultAction}, {@code onUnparseable}, a rule's name).
 */
public enum BuiltInRule {
    /** COPY ... PROGRAM. */
    SERVER_PROGRAMS("pgwarden:server-programs"),
    /** COPY to or from a server file, and the functions that read or write server files. */
    SERVER_FILES("pgwarden:server-files"),
    /** LOAD. */
    SERVER_LIBRARIES("pgwarden:server-libraries"),
    /** SET ROLE, SET SESSION AUTHORIZATION. */
    IDENTITY("pgwarden:identity"),
    /** Changes to the settings the proxy relies on. */
    PROTECTED_SETTINGS("pgwarden:protected-settings"),
    /** A write, or a read-write transaction, under a ReadOnly policy. */
    READ_ONLY("access.mode=ReadOnly"),
    /** Functions that act on other sessions or on the server. */
    SERVER_CONTROL("pgwarden:server-control"),
    /** Functions that change settings. */
    SETTINGS("pgwarden:settings"),
    /** Functions that connect to other databases. */
    OTHER_DATABASES("pgwarden:other-databases"),
    /** Functions that run SQL given as text. */
    DYNAMIC_SQL("pgwarden:dynamic-sql"),
    /** Functions that change large objects. */
    LARGE_OBJECTS("pgwarden:large-objects"),
    /** Masking refused the statement. */
    MASKING("pgwarden:masking"),
    /** The catalog masking needs could not be read. */
    CATALOG("pgwarden:catalog"),
    /** Too many statements wait for classification. */
    BUSY("pgwarden:busy"),
    /** The statement could not be recorded and the policy fails closed. */
    RECORDING("pgwarden:recording"),
    /** No valid policy is loaded. */
    POLICY("pgwarden:policy"),
    /** The fast-path function call protocol. */
    FUNCTION_CALL("pgwarden:function-call"),
    /** A savepoint, prepared statement or cursor named as pgwarden names its own. */
    RESERVED_NAMES("pgwarden:reserved-names");

    private static final Map<String, BuiltInRule> BY_NAME = new HashMap<>();

    static {
        for (BuiltInRule r : values()) {
            BY_NAME.put(r.ruleName, r);
        }
    }

    private final String ruleName;

    BuiltInRule(String ruleName) {
        this.ruleName = ruleName;
    }

    /** The name users see. */
    public String ruleName() {
        return ruleName;
    }

    /** The built-in rule of this name, or null for a policy's own rule. */
    public static BuiltInRule named(String ruleName) {
        return ruleName == null ? null : BY_NAME.get(ruleName);
    }
}
