package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;

/**
 * Reads statements about roles and privileges: GRANT, REVOKE, REASSIGN OWNED, CREATE/ALTER/DROP
 * of a ROLE, USER or GROUP, and ALTER DEFAULT PRIVILEGES. The policy's privileges rules match
 * their kinds; nothing else about them matters to pgwarden.
 */
final class PrivilegeReader {
    private PrivilegeReader() {}

    static Facts grant() {
        return new Facts(StatementKind.GRANT);
    }

    static Facts revoke() {
        return new Facts(StatementKind.REVOKE);
    }

    /** REASSIGN OWNED hands one role's objects to another: a change of roles. */
    static Facts reassign() {
        return new Facts(StatementKind.ALTER_ROLE);
    }

    /**
     * A CREATE, ALTER or DROP that is about roles or default privileges; null for one that is about
     * another object (then {@link DdlReader} reads it).
     */
    static Facts roleStatement(StatementText t) {
        if (isRoleWord(t, DdlReader.objectKeyword(t))) {
            return new Facts(
                    switch (t.word(0)) {
                        case "create" -> StatementKind.CREATE_ROLE;
                        case "drop" -> StatementKind.DROP_ROLE;
                        default -> StatementKind.ALTER_ROLE;
                    });
        }
        if (t.word(0).equals("alter")
                && t.word(1).equals("default")
                && t.word(2).equals("privileges")) {
            return defaultPrivileges(t);
        }
        return null;
    }

    /** ROLE, USER or GROUP, but not USER MAPPING (a foreign server's login, plain DDL). */
    private static boolean isRoleWord(StatementText t, int i) {
        String w = t.word(i);
        return (w.equals("role") || w.equals("user") || w.equals("group"))
                && !t.word(i + 1).equals("mapping");
    }

    /** ALTER DEFAULT PRIVILEGES ... GRANT|REVOKE changes privileges: the privileges rules apply. */
    private static Facts defaultPrivileges(StatementText t) {
        Facts f = new Facts(StatementKind.ALTER);
        for (SqlToken token : t.tokens) {
            if (token.depth() == 0 && (token.isWord("grant") || token.isWord("revoke"))) {
                f.effects.add(token.isWord("grant") ? StatementKind.GRANT : StatementKind.REVOKE);
                break;
            }
        }
        return f;
    }
}
