package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification.Hazard;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import net.sf.jsqlparser.parser.CCJSqlParser;

/**
 * Classifies one statement (already split from its Query). The leading keyword decides the kind;
 * queries and data-changing statements are then read by JSqlParser for their structure, and
 * statements JSqlParser does not cover (COPY, DO, DECLARE, FETCH, LISTEN, VACUUM, ...) are read
 * from their tokens. Statements that embed another (EXPLAIN ANALYZE, PREPARE, DECLARE, COPY
 * (query)) take in what the embedded statement does. Thread-safe and blocking: the proxy runs it
 * on its worker pool, never on an event loop.
 */
public final class StatementClassifier {
  /** Words that are followed by a parenthesis without being function calls. */
  private static final Set<String> NOT_FUNCTIONS = Set.of(
      "and", "or", "not", "in", "exists", "values", "as", "over", "filter", "within", "using", "on", "from",
      "where", "select", "join", "any", "all", "some", "array", "row", "table", "with", "into", "set",
      "returning", "lateral", "cast", "numeric", "decimal", "varchar", "char", "character", "varying", "bit",
      "timestamp", "time", "interval", "float", "by", "partition", "conflict", "do", "key", "unique", "primary",
      "check", "references", "foreign", "default", "when", "then", "else", "case", "is", "like", "ilike",
      "similar", "between", "group", "order", "having", "limit", "offset", "union", "except", "intersect",
      "recursive", "materialized", "include", "only", "update", "delete", "insert", "explain", "analyze",
      "analyse", "verbose", "prepare", "execute", "grouping", "sets", "cube", "rollup", "tablesample",
      "window", "range", "rows", "groups", "nulls", "distinct", "for", "to", "if", "language", "returns",
      "procedure", "function", "view", "index", "trigger", "type", "domain", "sequence", "schema");

  private StatementClassifier() {
  }

  public static Classification classify(String sql) {
    return classify(sql, p -> { });
  }

  /** @param onParser receives each JSqlParser instance before it runs, so a watchdog can interrupt it */
  public static Classification classify(String sql, Consumer<CCJSqlParser> onParser) {
    List<SqlToken> tokens;
    try {
      tokens = SqlLexer.tokenize(sql);
    } catch (SqlLexer.LexException e) {
      return Classification.unparseable(e.getMessage());
    }
    if (tokens.isEmpty()) {
      return Classification.unparseable("empty statement");
    }
    try {
      requireOneStatement(tokens);
      return new Reader(sql, tokens, onParser).classify();
    } catch (ParsedStatements.NotUnderstood e) {
      // Keep what the statement may write, so ReadOnly denies it and rules still see it.
      return Classification.unparseable(e.getMessage(), TokenScans.suspectedEffects(tokens));
    } catch (RuntimeException | StackOverflowError e) {
      // A bug or a pathological statement in pgwarden's own reading: never a reason to let it through.
      return Classification.unparseable("pgwarden's classifier failed on it (" + e.getClass().getSimpleName() + ")",
          TokenScans.suspectedEffects(tokens));
    }
  }

  /**
   * A semicolon that ends a statement before the last token means the text holds more than one
   * statement (JSqlParser would read only the first). The splitter reads the same ends, so this
   * only guards callers that classify text they did not split.
   */
  private static void requireOneStatement(List<SqlToken> tokens) throws ParsedStatements.NotUnderstood {
    int last = tokens.size() - 1;
    while (last >= 0 && tokens.get(last).isSymbol(";")) {
      last--;
    }
    for (int end : StatementSplitter.ends(tokens)) {
      if (end < last) {
        throw new ParsedStatements.NotUnderstood("it holds more than one statement");
      }
    }
  }

  /** Walks one statement's tokens. */
  private static final class Reader {
    private final String sql;
    private final List<SqlToken> tokens;
    private final Consumer<CCJSqlParser> onParser;

    Reader(String sql, List<SqlToken> tokens, Consumer<CCJSqlParser> onParser) {
      this.sql = sql;
      this.tokens = tokens;
      this.onParser = onParser;
    }

    Classification classify() throws ParsedStatements.NotUnderstood {
      SqlToken first = tokens.get(0);
      String w = first.type() == SqlToken.Type.WORD ? first.text() : first.isSymbol("(") ? "(" : "";
      Facts f = switch (w) {
        case "select", "values", "table", "(" -> parsed(StatementKind.SELECT);
        // WITH ... INSERT/UPDATE/DELETE/MERGE is that statement, not a query.
        case "with" -> {
          StatementKind main = TokenScans.mainKindAfterWith(tokens);
          yield main == StatementKind.MERGE ? merge() : parsed(main);
        }
        case "insert" -> parsed(StatementKind.INSERT);
        case "update" -> parsed(StatementKind.UPDATE);
        case "delete" -> parsed(StatementKind.DELETE);
        case "merge" -> merge();
        case "copy" -> copy();
        case "create" -> roleOr(StatementKind.CREATE, StatementKind.CREATE_ROLE);
        case "alter" -> alter();
        case "drop" -> roleOr(StatementKind.DROP, StatementKind.DROP_ROLE);
        case "truncate" -> truncate();
        case "grant" -> new Facts(StatementKind.GRANT);
        case "revoke" -> new Facts(StatementKind.REVOKE);
        case "reassign" -> new Facts(StatementKind.ALTER_ROLE);
        case "call" -> call();
        case "do" -> new Facts(StatementKind.DO);
        case "set" -> set();
        case "reset" -> reset();
        case "show" -> setting(StatementKind.SHOW, 1);
        case "begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release" -> transaction();
        case "explain" -> explain();
        case "prepare" -> prepare();
        case "execute" -> execute();
        case "deallocate" -> deallocate();
        // DISCARD resets session state as RESET ALL does; it changes no data, so it is a SET.
        case "discard" -> discard();
        case "declare" -> declare();
        // CLOSE only releases a cursor: a cursor operation like FETCH, so ReadOnly allows it.
        case "fetch", "move", "close" -> cursorOperation();
        case "lock", "cluster", "reindex", "checkpoint", "refresh" -> new Facts(StatementKind.OTHER);
        case "listen", "unlisten" -> new Facts(StatementKind.LISTEN);
        case "notify" -> new Facts(StatementKind.NOTIFY);
        case "vacuum" -> new Facts(StatementKind.VACUUM);
        case "analyze", "analyse" -> new Facts(StatementKind.ANALYZE);
        case "comment", "security" -> new Facts(StatementKind.ALTER);
        case "import" -> new Facts(StatementKind.CREATE);
        case "load" -> {
          Facts load = new Facts(StatementKind.OTHER);
          load.hazards.add(Hazard.LOAD_LIBRARY);
          yield load;
        }
        default -> throw new ParsedStatements.NotUnderstood(
            "pgwarden does not know statements starting with '" + (w.isEmpty() ? first.text() : w) + "'");
      };
      functionsFromTokens(f);
      if (SqlLexer.declaresCode(tokens)) {
        codeBodies(f);
        f.hazards.add(Hazard.DECLARES_CODE);
      }
      return f.build();
    }

    /**
     * A query or data-changing statement, read by JSqlParser from {@link ParserText}. JSqlParser
     * does not know every PostgreSQL expression (prefix operators, OPERATOR(...), ...); a query that
     * mentions no data change is then read from its tokens, since all it can do beyond reading is
     * call functions (found from tokens anyway), SELECT INTO and lock rows, both scanned below.
     */
    private Facts parsed(StatementKind kind) throws ParsedStatements.NotUnderstood {
      Facts f = new Facts(kind);
      try {
        ParsedStatements.analyze(ParserText.of(sql, tokens), f, onParser);
      } catch (ParsedStatements.NotUnderstood e) {
        if (kind != StatementKind.SELECT || !e.syntax || TokenScans.mentionsDataChange(tokens)) {
          throw e;
        }
        f = new Facts(kind);
      }
      if (kind == StatementKind.SELECT) {
        if (TokenScans.selectsInto(tokens)) {
          f.effects.add(StatementKind.CREATE);
        }
        if (TokenScans.locksRows(tokens)) {
          // Row locks write to the rows and can block every writer: not a plain read.
          f.effects.add(StatementKind.OTHER);
        }
      }
      return f;
    }

    /** MERGE's WHEN clauses update, delete and insert; JSqlParser's tree is read for ON. */
    private Facts merge() throws ParsedStatements.NotUnderstood {
      Facts f = new Facts(StatementKind.MERGE);
      boolean bySource = TokenScans.mergeActions(tokens, f);
      ParsedStatements.analyze(ParserText.of(sql, tokens), f, onParser);
      if (bySource && (f.effects.contains(StatementKind.UPDATE) || f.effects.contains(StatementKind.DELETE))) {
        f.unbounded = true;
      }
      return f;
    }

    /**
     * DO and CREATE FUNCTION bodies run later or now, out of pgwarden's sight: their calls count
     * (the fingerprint keeps such bodies, so this does not depend on a shared classification).
     * A body written with backslash or Unicode escapes could spell a name the search cannot see.
     */
    private void codeBodies(Facts f) throws ParsedStatements.NotUnderstood {
      for (SqlToken t : tokens) {
        String text = t.text();
        if (t.type() == SqlToken.Type.STRING && (text.startsWith("E") || text.startsWith("e") || text.startsWith("U&")
            || text.startsWith("u&")) && (text.indexOf('\\') >= 0 || text.toLowerCase(java.util.Locale.ROOT).contains("uescape"))) {
          throw new ParsedStatements.NotUnderstood("a function or DO body written with escapes");
        }
      }
      f.functions.addAll(TokenScans.functionsInBodies(tokens));
    }

    /** Every name followed by '(' that is not a keyword: over-inclusive on purpose, the guards read it. */
    private void functionsFromTokens(Facts f) {
      for (int i = 0; i + 1 < tokens.size(); i++) {
        SqlToken t = tokens.get(i);
        if (t.isName() && tokens.get(i + 1).isSymbol("(")
            && !(t.type() == SqlToken.Type.WORD && NOT_FUNCTIONS.contains(t.text()))) {
          f.functions.add(t.text());
        }
      }
    }

    private String word(int i) {
      return i < tokens.size() && tokens.get(i).isName() ? tokens.get(i).text() : "";
    }

    private boolean isRoleWord(int i) {
      String w = word(i);
      return (w.equals("role") || w.equals("user") || w.equals("group")) && !word(i + 1).equals("mapping");
    }

    private Facts roleOr(StatementKind kind, StatementKind roleKind) throws ParsedStatements.NotUnderstood {
      int i = 1;
      while (Set.of("or", "replace", "temp", "temporary", "unlogged", "global", "local").contains(word(i))) {
        i++;
      }
      if (isRoleWord(i)) {
        return new Facts(roleKind);
      }
      Facts f = new Facts(kind);
      objectName(i, f);
      if (kind == StatementKind.CREATE && (word(i).equals("table") || word(i).equals("materialized"))) {
        createAs(f);
      }
      String object = word(i).equals("constraint") ? word(i + 1) : word(i);
      if (kind == StatementKind.CREATE && (object.equals("rule") || object.equals("trigger") || object.equals("event"))) {
        // Rules and triggers run statements later, on other statements' rows, out of pgwarden's sight.
        f.hazards.add(Hazard.DECLARES_CODE);
      }
      return f;
    }

    /**
     * CREATE TABLE / MATERIALIZED VIEW ... AS query [WITH [NO] DATA] runs the query, data-modifying
     * CTEs and EXECUTE of a prepared statement included, so the query's effects count.
     */
    private void createAs(Facts f) throws ParsedStatements.NotUnderstood {
      for (int i = 2; i + 1 < tokens.size(); i++) {
        SqlToken next = tokens.get(i + 1);
        if (tokens.get(i).depth() == 0 && tokens.get(i).isWord("as") && (next.isSymbol("(") || next.isWord("select")
            || next.isWord("with") || next.isWord("values") || next.isWord("table") || next.isWord("execute"))) {
          int end = tokens.size();
          if (end >= 2 && tokens.get(end - 1).isWord("data") && tokens.get(end - 2).isWord("with")) {
            end -= 2;
          } else if (end >= 3 && tokens.get(end - 1).isWord("data") && tokens.get(end - 2).isWord("no")
              && tokens.get(end - 3).isWord("with")) {
            end -= 3;
          }
          Classification query = embedded(next.start(), tokens.get(end - 1).end());
          if (query.kind() == StatementKind.UNPARSEABLE) {
            throw new ParsedStatements.NotUnderstood("the query of CREATE ... AS: " + query.problem());
          }
          f.absorb(query);
          // The query's results go into the new table, not to the agent.
          f.lineage = query.lineage() == null ? null : query.lineage().copying();
          return;
        }
      }
    }

    private Facts alter() {
      if (isRoleWord(1)) {
        return new Facts(StatementKind.ALTER_ROLE);
      }
      Facts f = new Facts(StatementKind.ALTER);
      objectName(1, f);
      if (word(1).equals("default") && word(2).equals("privileges")) {
        // ALTER DEFAULT PRIVILEGES ... GRANT|REVOKE changes privileges: the privileges rules apply.
        for (SqlToken t : tokens) {
          if (t.depth() == 0 && (t.isWord("grant") || t.isWord("revoke"))) {
            f.effects.add(t.isWord("grant") ? StatementKind.GRANT : StatementKind.REVOKE);
            break;
          }
        }
      }
      return f;
    }

    /** For tables: the (possibly qualified) name after TABLE [IF [NOT] EXISTS] [ONLY], as written. */
    private void objectName(int i, Facts f) {
      if (!word(i).equals("table")) {
        return;
      }
      i++;
      while (Set.of("if", "not", "exists", "only").contains(word(i))) {
        i++;
      }
      String name = qualifiedName(i);
      if (name != null) {
        f.writes.add(name);
      }
    }

    private String qualifiedName(int i) {
      if (i >= tokens.size() || !tokens.get(i).isName()) {
        return null;
      }
      StringBuilder b = new StringBuilder(tokens.get(i).text());
      while (i + 2 < tokens.size() && tokens.get(i + 1).isSymbol(".") && tokens.get(i + 2).isName()) {
        b.append('.').append(tokens.get(i + 2).text());
        i += 2;
      }
      return b.toString();
    }

    private Facts truncate() {
      Facts f = new Facts(StatementKind.TRUNCATE);
      int i = 1;
      if (word(i).equals("table")) {
        i++;
      }
      for (; i < tokens.size(); i++) {
        SqlToken t = tokens.get(i);
        if (t.isWord("restart") || t.isWord("continue") || t.isWord("cascade") || t.isWord("restrict")) {
          break;
        }
        if (t.isName() && !t.isWord("only") && (i == 1 || !tokens.get(i - 1).isSymbol("."))) {
          String name = qualifiedName(i);
          f.writes.add(name);
        }
      }
      return f;
    }

    private Facts call() {
      Facts f = new Facts(StatementKind.CALL);
      String name = qualifiedName(1);
      if (name != null) {
        f.functions.add(name.substring(name.lastIndexOf('.') + 1));
      }
      return f;
    }

    /** COPY table|(query) TO|FROM STDOUT|STDIN|'file'|PROGRAM 'cmd'. */
    private Facts copy() throws ParsedStatements.NotUnderstood {
      int i = 1;
      Classification query = null;
      String table = null;
      if (i < tokens.size() && tokens.get(i).isSymbol("(")) {
        int close = closingParenthesis(i);
        query = embedded(tokens.get(i + 1).start(), tokens.get(close).start());
        i = close + 1;
      } else {
        table = qualifiedName(i);
        while (i < tokens.size() && !(tokens.get(i).depth() == 0 && (tokens.get(i).isWord("to") || tokens.get(i).isWord("from")))) {
          i++;
        }
      }
      if (i >= tokens.size() || !(tokens.get(i).isWord("to") || tokens.get(i).isWord("from"))) {
        throw new ParsedStatements.NotUnderstood("COPY without TO or FROM");
      }
      boolean to = tokens.get(i).isWord("to");
      Facts f = new Facts(to ? StatementKind.COPY_TO : StatementKind.COPY_FROM);
      if (query != null) {
        f.absorb(query);
      }
      if (table != null) {
        (to ? f.reads : f.writes).add(table);
      }
      SqlToken target = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
      if (target == null) {
        throw new ParsedStatements.NotUnderstood("COPY without a source or destination");
      }
      if (target.isWord("program")) {
        f.hazards.add(Hazard.SERVER_PROGRAM);
      } else if (!(target.isWord("stdout") || target.isWord("stdin"))) {
        f.hazards.add(Hazard.SERVER_FILE);
      }
      return f;
    }

    private Facts set() {
      int i = 1;
      if (word(i).equals("session") && word(i + 1).equals("characteristics")) {
        Facts f = new Facts(StatementKind.SET);
        f.target = new Target.Setting("default_transaction_read_only");
        readWrite(f);
        return f;
      }
      if ((word(i).equals("session") || word(i).equals("local")) && !word(i + 1).equals("authorization")) {
        i++;
      }
      // After the optional SESSION/LOCAL: SET LOCAL SESSION AUTHORIZATION is valid too.
      if (word(i).equals("session") && word(i + 1).equals("authorization")) {
        Facts f = new Facts(StatementKind.SET);
        f.target = new Target.Setting("session_authorization");
        f.hazards.add(Hazard.IDENTITY_CHANGE);
        return f;
      }
      if (word(i).equals("transaction")) {
        Facts f = new Facts(StatementKind.TRANSACTION);
        readWrite(f);
        return f;
      }
      Facts f = setting(StatementKind.SET, i);
      settingHazards(f);
      return f;
    }

    private Facts reset() {
      Facts f = new Facts(StatementKind.SET);
      f.target = new Target.Setting(
          word(1).equals("session") && word(2).equals("authorization") ? "session_authorization" : settingName(1));
      return f;
    }

    private Facts setting(StatementKind kind, int at) {
      Facts f = new Facts(kind);
      f.target = new Target.Setting(settingName(at));
      return f;
    }

    private Facts discard() {
      Facts f = new Facts(StatementKind.SET);
      f.target = new Target.Discard(settingName(1));
      return f;
    }

    /** A setting's name as PostgreSQL reads it, including the spelled-out forms SET allows. */
    private String settingName(int i) {
      String w = word(i);
      if (w.equals("time") && word(i + 1).equals("zone")) {
        return "timezone";
      }
      if (w.equals("names")) {
        return "client_encoding";
      }
      if (w.equals("schema")) {
        return "search_path";
      }
      String name = qualifiedName(i);
      return name == null ? "" : name.toLowerCase(java.util.Locale.ROOT);
    }

    private void settingHazards(Facts f) {
      switch (((Target.Setting) f.target).name()) {
        case "role", "session_authorization" -> f.hazards.add(Hazard.IDENTITY_CHANGE);
        case "default_transaction_read_only", "transaction_read_only" -> f.hazards.add(Hazard.READ_WRITE_TRANSACTION);
        // Not application_name: pgjdbc sets it after connecting. Sessions are tied to backends by
        // the upstream pid in session_start instead.
        case "client_encoding", "standard_conforming_strings" -> f.hazards.add(Hazard.PROTECTED_SETTING);
        default -> {
        }
      }
    }

    private Facts transaction() {
      Facts f = new Facts(StatementKind.TRANSACTION);
      readWrite(f);
      return f;
    }

    /** READ WRITE anywhere in a transaction statement (BEGIN READ WRITE, SET TRANSACTION READ WRITE). */
    private void readWrite(Facts f) {
      for (int i = 0; i + 1 < tokens.size(); i++) {
        if (tokens.get(i).isWord("read") && tokens.get(i + 1).isWord("write")) {
          f.hazards.add(Hazard.READ_WRITE_TRANSACTION);
        }
      }
    }

    /**
     * EXPLAIN [ANALYZE] [VERBOSE] stmt, or EXPLAIN (option [value], ...) stmt. With ANALYZE the
     * statement runs, so its effects count; an ANALYZE option counts whatever value it is given,
     * since values are literals and statements differing only in literals share a classification.
     */
    private Facts explain() throws ParsedStatements.NotUnderstood {
      int i = 1;
      boolean analyze = false;
      if (i < tokens.size() && tokens.get(i).isSymbol("(")) {
        int close = closingParenthesis(i);
        for (int j = i + 1; j < close; j++) {
          analyze |= tokens.get(j).isWord("analyze") || tokens.get(j).isWord("analyse");
        }
        i = close + 1;
      } else {
        while (Set.of("analyze", "analyse", "verbose").contains(word(i))) {
          analyze |= !word(i).equals("verbose");
          i++;
        }
      }
      if (i >= tokens.size()) {
        throw new ParsedStatements.NotUnderstood("EXPLAIN without a statement");
      }
      Classification inner = embedded(tokens.get(i).start(), sql.length());
      Facts f = new Facts(StatementKind.EXPLAIN);
      if (inner.kind() == StatementKind.UNPARSEABLE) {
        throw new ParsedStatements.NotUnderstood(inner.problem());
      }
      if (analyze) {
        f.absorb(inner);
      } else {
        f.reads.addAll(inner.reads());
        f.reads.addAll(inner.writes());
      }
      // EXPLAIN prints a plan, not the statement's rows; with ANALYZE its writes still happen.
      f.lineage = inner.lineage() == null ? null : inner.lineage().withoutResults();
      return f;
    }

    /** PREPARE name [(types)] AS stmt: prepares without running; EXECUTE runs the body. */
    private Facts prepare() throws ParsedStatements.NotUnderstood {
      if (word(1).equals("transaction")) {
        return new Facts(StatementKind.TRANSACTION);
      }
      Facts f = new Facts(StatementKind.PREPARE);
      f.target = new Target.Prepare(word(1));
      int as = -1;
      for (int i = 2; i < tokens.size(); i++) {
        if (tokens.get(i).depth() == 0 && tokens.get(i).isWord("as")) {
          as = i;
          break;
        }
      }
      if (as < 0 || as + 1 >= tokens.size()) {
        throw new ParsedStatements.NotUnderstood("PREPARE without AS and a statement");
      }
      Classification body = embedded(tokens.get(as + 1).start(), sql.length());
      if (body.kind() == StatementKind.UNPARSEABLE) {
        throw new ParsedStatements.NotUnderstood("the prepared statement: " + body.problem());
      }
      f.reads.addAll(body.reads());
      f.writes.addAll(body.writes());
      f.functions.addAll(body.functions());
      // The body's effects are what EXECUTE will do; the policy judges PREPARE by them too.
      f.effects.addAll(body.effects());
      f.hazards.addAll(body.hazards());
      f.unbounded = body.unbounded();
      // EXECUTE returns what the body returns: masking reads it from here.
      f.lineage = body.lineage();
      return f;
    }

    private Facts execute() {
      Facts f = new Facts(StatementKind.EXECUTE);
      f.target = new Target.Execute(word(1));
      f.hazards.add(Hazard.RUNS_PREPARED);
      return f;
    }

    /** DEALLOCATE forgets a prepared statement: counted with PREPARE, so ReadOnly allows it. */
    private Facts deallocate() {
      Facts f = new Facts(StatementKind.PREPARE);
      int i = word(1).equals("prepare") ? 2 : 1;
      // ALL, quoted or not: forgetting every body is the safe side (see SqlPreparedStatements).
      f.target = new Target.Deallocate(word(i).equals("all") ? null : word(i));
      return f;
    }

    /**
     * FETCH/MOVE [direction] [FROM|IN] cursor, CLOSE cursor|ALL: the cursor's name is the last
     * name, kept as the target so masking can find the cursor's query.
     */
    private Facts cursorOperation() {
      Facts f = new Facts(StatementKind.FETCH);
      SqlToken last = tokens.get(tokens.size() - 1);
      if (last.isSymbol(";") && tokens.size() > 1) {
        last = tokens.get(tokens.size() - 2);
      }
      if (!last.isName()) {
        return f;
      }
      // ALL, quoted or not: forgetting every cursor's plan is the safe side.
      boolean close = tokens.get(0).isWord("close");
      f.target = !close ? new Target.Cursor(last.text())
          : new Target.CloseCursor(last.text().equals("all") ? null : last.text());
      return f;
    }

    /** DECLARE name [options] CURSOR [WITH[OUT] HOLD] FOR query: the query runs as it is fetched. */
    private Facts declare() throws ParsedStatements.NotUnderstood {
      Facts f = new Facts(StatementKind.DECLARE);
      f.target = tokens.size() > 1 && tokens.get(1).isName() ? new Target.Cursor(tokens.get(1).text()) : null;
      for (int i = 2; i + 1 < tokens.size(); i++) {
        if (tokens.get(i).depth() == 0 && tokens.get(i).isWord("for")) {
          Classification query = embedded(tokens.get(i + 1).start(), sql.length());
          if (query.kind() == StatementKind.UNPARSEABLE) {
            throw new ParsedStatements.NotUnderstood("the cursor's query: " + query.problem());
          }
          f.absorb(query);
          return f;
        }
      }
      throw new ParsedStatements.NotUnderstood("DECLARE without FOR and a query");
    }

    private Classification embedded(int from, int to) {
      return StatementClassifier.classify(sql.substring(from, to), onParser);
    }

    private int closingParenthesis(int open) throws ParsedStatements.NotUnderstood {
      int depth = tokens.get(open).depth();
      for (int i = open + 1; i < tokens.size(); i++) {
        if (tokens.get(i).isSymbol(")") && tokens.get(i).depth() == depth) {
          return i;
        }
      }
      throw new ParsedStatements.NotUnderstood("unbalanced parentheses");
    }
  }
}
