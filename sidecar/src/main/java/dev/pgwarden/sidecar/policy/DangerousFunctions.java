package dev.pgwarden.sidecar.policy;

import dev.pgwarden.api.v1alpha1.Action;
import java.util.Map;

/**
 * Functions that reach outside the agent's data whatever the SQL around them: the database
 * server's files and programs, other sessions, the server's configuration, other databases, and
 * SQL run from strings (which hides the real statement from classification). A call anywhere in a
 * statement triggers the guard; the policy's rules can make it stricter, never milder.
 */
final class DangerousFunctions {
  record Guard(Action action, String rule, String reason) {
  }

  private static final Guard SERVER_FILES = new Guard(Action.Deny, "pgwarden:server-files",
      "it reads or writes files on the database server");
  private static final Guard SERVER_CONTROL = new Guard(Action.RequireApproval, "pgwarden:server-control",
      "it acts on other sessions or on the server's configuration");
  private static final Guard OTHER_DATABASES = new Guard(Action.RequireApproval, "pgwarden:other-databases",
      "it connects to another database, outside what pgwarden audits");
  private static final Guard DYNAMIC_SQL = new Guard(Action.RequireApproval, "pgwarden:dynamic-sql",
      "it runs SQL given as a string, which pgwarden cannot classify");
  private static final Guard SETTINGS = new Guard(Action.RequireApproval, "pgwarden:settings",
      "set_config can change the role, read-only mode and other protected settings");
  private static final Guard LARGE_OBJECTS = new Guard(Action.RequireApproval, "pgwarden:large-objects",
      "it changes large objects, which bypass table privileges and rules");

  private static final Map<String, Guard> GUARDS = Map.ofEntries(
      Map.entry("pg_read_file", SERVER_FILES),
      Map.entry("pg_read_binary_file", SERVER_FILES),
      Map.entry("pg_ls_dir", SERVER_FILES),
      Map.entry("pg_stat_file", SERVER_FILES),
      Map.entry("pg_ls_logdir", SERVER_FILES),
      Map.entry("pg_ls_waldir", SERVER_FILES),
      Map.entry("pg_ls_tmpdir", SERVER_FILES),
      Map.entry("pg_ls_archive_statusdir", SERVER_FILES),
      Map.entry("pg_ls_logicalsnapdir", SERVER_FILES),
      Map.entry("pg_ls_logicalmapdir", SERVER_FILES),
      Map.entry("pg_ls_replslotdir", SERVER_FILES),
      Map.entry("pg_file_write", SERVER_FILES),
      Map.entry("pg_file_rename", SERVER_FILES),
      Map.entry("pg_file_unlink", SERVER_FILES),
      Map.entry("pg_file_sync", SERVER_FILES),
      Map.entry("pg_logdir_ls", SERVER_FILES),
      Map.entry("lo_import", SERVER_FILES),
      Map.entry("lo_export", SERVER_FILES),
      Map.entry("pg_terminate_backend", SERVER_CONTROL),
      Map.entry("pg_cancel_backend", SERVER_CONTROL),
      Map.entry("pg_reload_conf", SERVER_CONTROL),
      Map.entry("pg_rotate_logfile", SERVER_CONTROL),
      Map.entry("pg_promote", SERVER_CONTROL),
      Map.entry("pg_switch_wal", SERVER_CONTROL),
      Map.entry("pg_create_restore_point", SERVER_CONTROL),
      Map.entry("pg_backup_start", SERVER_CONTROL),
      Map.entry("pg_backup_stop", SERVER_CONTROL),
      Map.entry("pg_create_logical_replication_slot", SERVER_CONTROL),
      Map.entry("pg_create_physical_replication_slot", SERVER_CONTROL),
      Map.entry("pg_drop_replication_slot", SERVER_CONTROL),
      Map.entry("pg_replication_origin_create", SERVER_CONTROL),
      Map.entry("set_config", SETTINGS),
      Map.entry("dblink", OTHER_DATABASES),
      Map.entry("dblink_exec", OTHER_DATABASES),
      Map.entry("dblink_connect", OTHER_DATABASES),
      Map.entry("dblink_connect_u", OTHER_DATABASES),
      Map.entry("dblink_send_query", OTHER_DATABASES),
      Map.entry("dblink_open", OTHER_DATABASES),
      Map.entry("query_to_xml", DYNAMIC_SQL),
      Map.entry("query_to_xmlschema", DYNAMIC_SQL),
      Map.entry("query_to_xml_and_xmlschema", DYNAMIC_SQL),
      Map.entry("cursor_to_xml", DYNAMIC_SQL),
      Map.entry("lo_unlink", LARGE_OBJECTS),
      Map.entry("lo_put", LARGE_OBJECTS),
      Map.entry("lo_from_bytea", LARGE_OBJECTS),
      Map.entry("lo_create", LARGE_OBJECTS),
      Map.entry("lo_creat", LARGE_OBJECTS),
      Map.entry("lowrite", LARGE_OBJECTS),
      Map.entry("lo_truncate", LARGE_OBJECTS),
      Map.entry("lo_truncate64", LARGE_OBJECTS));

  private DangerousFunctions() {
  }

  static Guard lookup(String function) {
    return GUARDS.get(function);
  }
}
