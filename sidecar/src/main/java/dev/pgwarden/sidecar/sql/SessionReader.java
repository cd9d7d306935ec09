package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification.Hazard;
import java.util.Locale;

/**
 * Reads statements that change or show the session's state rather than data: SET, RESET, SHOW,
 * DISCARD and transaction control. Their target is the setting they name; the built-in guards
 * look at which one (identity, read-write mode, the settings the proxy relies on).
 */
final class SessionReader {
    private SessionReader() {}

    static Facts set(StatementText t) {
        int i = 1;
        if (t.word(i).equals("session") && t.word(i + 1).equals("characteristics")) {
            Facts f = new Facts(StatementKind.SET);
            f.target = new Target.Setting("default_transaction_read_only");
            readWrite(t, f);
            return f;
        }
        if ((t.word(i).equals("session") || t.word(i).equals("local"))
                && !t.word(i + 1).equals("authorization")) {
            i++;
        }
        // After the optional SESSION/LOCAL: SET LOCAL SESSION AUTHORIZATION is valid too.
        if (t.word(i).equals("session") && t.word(i + 1).equals("authorization")) {
            Facts f = new Facts(StatementKind.SET);
            f.target = new Target.Setting("session_authorization");
            f.hazards.add(Hazard.IDENTITY_CHANGE);
            return f;
        }
        if (t.word(i).equals("transaction")) {
            Facts f = new Facts(StatementKind.TRANSACTION);
            readWrite(t, f);
            return f;
        }
        Facts f = new Facts(StatementKind.SET);
        Target.Setting setting = new Target.Setting(settingName(t, i));
        f.target = setting;
        settingHazards(setting, f);
        return f;
    }

    static Facts reset(StatementText t) {
        Facts f = new Facts(StatementKind.SET);
        f.target = new Target.Setting(
                t.word(1).equals("session") && t.word(2).equals("authorization")
                        ? "session_authorization"
                        : settingName(t, 1));
        return f;
    }

    static Facts show(StatementText t) {
        Facts f = new Facts(StatementKind.SHOW);
        f.target = new Target.Setting(settingName(t, 1));
        return f;
    }

    /** DISCARD resets session state as RESET ALL does; it changes no data, so it is a SET. */
    static Facts discard(StatementText t) {
        Facts f = new Facts(StatementKind.SET);
        f.target = new Target.Discard(settingName(t, 1));
        return f;
    }

    /** BEGIN, START, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE. */
    static Facts transaction(StatementText t) {
        Facts f = new Facts(StatementKind.TRANSACTION);
        readWrite(t, f);
        return f;
    }

    /**
     * A setting's name as PostgreSQL reads it, including the spelled-out forms SET allows. Not
     * {@link Identifiers}: PostgreSQL looks parameters up ignoring case, quoted or not.
     */
    private static String settingName(StatementText t, int i) {
        String w = t.word(i);
        if (w.equals("time") && t.word(i + 1).equals("zone")) {
            return "timezone";
        }
        if (w.equals("names")) {
            return "client_encoding";
        }
        if (w.equals("schema")) {
            return "search_path";
        }
        String name = t.qualifiedName(i);
        return name == null ? "" : name.toLowerCase(Locale.ROOT);
    }

    private static void settingHazards(Target.Setting setting, Facts f) {
        switch (setting.name()) {
            case "role", "session_authorization" -> f.hazards.add(Hazard.IDENTITY_CHANGE);
            case "default_transaction_read_only", "transaction_read_only" ->
                f.hazards.add(Hazard.READ_WRITE_TRANSACTION);
            // Not application_name: pgjdbc sets it after connecting. Sessions are tied to backends by
            // the upstream pid in session_start instead.
            case "client_encoding", "standard_conforming_strings" -> f.hazards.add(Hazard.PROTECTED_SETTING);
            default -> {}
        }
    }

    /** READ WRITE anywhere in a transaction statement (BEGIN READ WRITE, SET TRANSACTION READ WRITE). */
    private static void readWrite(StatementText t, Facts f) {
        var tokens = t.tokens;
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).isWord("read") && tokens.get(i + 1).isWord("write")) {
                f.hazards.add(Hazard.READ_WRITE_TRANSACTION);
            }
        }
    }
}
