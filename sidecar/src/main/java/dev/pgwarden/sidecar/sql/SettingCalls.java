package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification.Hazard;
import java.util.List;
import java.util.Locale;

/**
 * {@code set_config(name, value, is_local)} with the setting named by a literal is judged as the
 * equivalent SET: {@code search_path} or {@code statement_timeout} pass like SET (pg_dump sends
 * such calls), {@code role} or {@code client_encoding} meet the guards SET meets. A call whose
 * setting is not a plain literal stays {@code set_config}, which the settings guard holds for
 * approval. {@code setval} moves a sequence: a write of kind SETVAL that rules can name. A write
 * to {@code pg_settings} changes settings like set_config, named where pgwarden does not read them:
 * it meets the guard of the protected settings.
 */
final class SettingCalls {
    private SettingCalls() {}

    private static boolean writes(Facts f) {
        return f.effects.contains(StatementKind.UPDATE)
                || f.effects.contains(StatementKind.INSERT)
                || f.effects.contains(StatementKind.MERGE)
                || f.effects.contains(StatementKind.DELETE);
    }

    /** Whether the string literal at {@code i} is the first argument of a set_config call. */
    static boolean namesSetting(List<SqlToken> tokens, int i) {
        return i >= 2
                && tokens.get(i - 1).isSymbol("(")
                && tokens.get(i - 2).isWord("set_config")
                && i + 1 < tokens.size()
                && tokens.get(i + 1).isSymbol(",");
    }

    /** Folds set_config calls with literal settings and setval calls into {@code f}. */
    static void read(List<SqlToken> tokens, Facts f) {
        boolean unresolved = false;
        if (writes(f) && tokens.stream().anyMatch(t -> t.isName() && t.text().equals("pg_settings"))) {
            // UPDATE pg_settings SET setting = ... is set_config by a rule of the view: any setting,
            // named where pgwarden does not read it (its WHERE), so the guard of the protected ones applies.
            f.hazards.add(Hazard.PROTECTED_SETTING);
        }
        for (int i = 0; i + 1 < tokens.size(); i++) {
            SqlToken t = tokens.get(i);
            if (t.isWord("setval") && tokens.get(i + 1).isSymbol("(")) {
                f.effects.add(StatementKind.SETVAL);
            }
            if (!t.isWord("set_config") || !tokens.get(i + 1).isSymbol("(")) {
                continue;
            }
            String name = i + 2 < tokens.size() && namesSetting(tokens, i + 2)
                    ? literal(tokens.get(i + 2).text())
                    : null;
            if (name == null) {
                unresolved = true;
                continue;
            }
            switch (name.toLowerCase(Locale.ROOT)) {
                case "role", "session_authorization" -> f.hazards.add(Hazard.IDENTITY_CHANGE);
                case "default_transaction_read_only", "transaction_read_only" ->
                    f.hazards.add(Hazard.READ_WRITE_TRANSACTION);
                case "client_encoding", "standard_conforming_strings" -> f.hazards.add(Hazard.PROTECTED_SETTING);
                default -> {}
            }
        }
        if (!unresolved && f.functions.contains("set_config")) {
            // Every call names its setting: they are judged as SETs, not held as set_config (masking
            // still sees the call: a masked value stored in a setting could be read back).
            f.hazards.add(Hazard.SETTINGS_NAMED);
        }
    }

    /** A plain '...' literal's text; null for E'', U&'', dollar quotes and anything else. */
    private static String literal(String token) {
        if (token.length() >= 2 && token.startsWith("'") && token.endsWith("'")) {
            String v = token.substring(1, token.length() - 1);
            return v.contains("'") ? v.replace("''", "'") : v;
        }
        return null;
    }
}
