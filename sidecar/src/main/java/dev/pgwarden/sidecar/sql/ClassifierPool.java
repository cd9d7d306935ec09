package dev.pgwarden.sidecar.sql;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import net.sf.jsqlparser.parser.CCJSqlParser;

/**
 * Classifies statements without ever parsing on the caller's thread: {@link #cached} answers from
 * the fingerprint cache (a lexer pass, no parse), and {@link #classify} parses misses on a bounded
 * worker pool with a time limit. A parse that runs out of time is interrupted and the statement is
 * UNPARSEABLE (not cached, since load may have caused it); a full queue fails the future with
 * {@link ClassifierBusyException}, so the proxy answers "busy, retry" instead of queueing forever.
 */
public final class ClassifierPool implements AutoCloseable {
    private final ClassificationCache cache;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService watchdog;
    private final Duration timeLimit;
    /**
     * Loading the parser's classes takes a second or more in a fresh JVM, longer on a busy node: it
     * happens once, in the background from the start, and no statement's time limit runs before it
     * is done (else the first statements of a sidecar would time out as unparseable).
     */
    private final CompletableFuture<Void> warmedUp;

    public ClassifierPool(int threads, int queueCapacity, Duration timeLimit, int cacheCapacity) {
        this.cache = new ClassificationCache(cacheCapacity);
        this.timeLimit = timeLimit;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(
                threads,
                threads,
                0,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueCapacity),
                r -> daemon(r, "pgwarden-classifier-" + n.incrementAndGet()));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "pgwarden-classifier-watchdog"));
        this.warmedUp = CompletableFuture.runAsync(
                () -> {
                    for (String s : List.of(
                            "SELECT a, count(*) FROM t WHERE b = $1 GROUP BY a",
                            "INSERT INTO t (a) VALUES (1)",
                            "UPDATE t SET a = 1 WHERE b = 2",
                            "DELETE FROM t WHERE a = 1",
                            "WITH c AS (SELECT 1) SELECT * FROM c")) {
                        StatementClassifier.classify(s);
                    }
                },
                r -> daemon(r, "pgwarden-classifier-warm-up").start());
    }

    public static ClassifierPool withDefaults() {
        return new ClassifierPool(2, 1024, Duration.ofSeconds(2), 10_000);
    }

    /** Thrown (through the future) when more statements await parsing than the queue holds. */
    public static final class ClassifierBusyException extends RuntimeException {
        ClassifierBusyException() {
            super("too many statements are waiting to be classified", null, false, false);
        }
    }

    /** The cached classification of a statement's shape, or null when it must be parsed. */
    public Classification cached(String statement) {
        List<SqlToken> tokens;
        try {
            tokens = SqlLexer.tokenize(statement);
        } catch (SqlLexer.LexException e) {
            return Classification.unparseable(e.getMessage());
        }
        return cache.get(SqlLexer.fingerprint(tokens));
    }

    public CompletableFuture<Classification> classify(String statement) {
        CompletableFuture<Classification> result = new CompletableFuture<>();
        try {
            workers.execute(() -> {
                try {
                    result.complete(parse(statement));
                } catch (Throwable t) {
                    // The waiting session must hear back: it refuses the statement rather than hang.
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new ClassifierBusyException());
        }
        return result;
    }

    /** Classifies on the calling thread, cache included: for tools such as {@code pgwarden check}. */
    public Classification classifyNow(String statement) {
        Classification c = cached(statement);
        return c != null ? c : parse(statement);
    }

    private Classification parse(String statement) {
        warmedUp.join();
        AtomicBoolean timedOut = new AtomicBoolean();
        AtomicReference<CCJSqlParser> current = new AtomicReference<>();
        ScheduledFuture<?> alarm = watchdog.schedule(
                () -> {
                    timedOut.set(true);
                    CCJSqlParser p = current.get();
                    if (p != null) {
                        p.interrupted = true;
                    }
                },
                timeLimit.toMillis(),
                TimeUnit.MILLISECONDS);
        Classification c;
        try {
            c = StatementClassifier.classify(statement, p -> {
                current.set(p);
                if (timedOut.get()) {
                    p.interrupted = true;
                }
            });
        } finally {
            alarm.cancel(false);
        }
        if (timedOut.get()) {
            return Classification.unparseable("classifying it took longer than " + timeLimit.toMillis() + " ms");
        }
        try {
            cache.put(SqlLexer.fingerprint(SqlLexer.tokenize(statement)), c);
        } catch (SqlLexer.LexException e) {
            // Not cacheable: the classification already says why.
        }
        return c;
    }

    public int cacheSize() {
        return cache.size();
    }

    @Override
    public void close() {
        workers.shutdownNow();
        watchdog.shutdownNow();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
