package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Classification without blocking the event loop: statements whose shape is cached are
 * classified at once; the others are parsed on the classifier's worker pool.
 */
final class Classifications {
    private Classifications() {}

    /** Every statement's classification from the cache, or null when one is missing. */
    static List<Classification> cached(ClassifierPool pool, List<String> statements) {
        List<Classification> classes = new ArrayList<>(statements.size());
        for (String s : statements) {
            Classification c = pool.cached(s);
            if (c == null) {
                return null;
            }
            classes.add(c);
        }
        return classes;
    }

    /** Every statement's classification, parsing the ones not cached; fails when the pool is full. */
    static CompletableFuture<List<Classification>> classify(ClassifierPool pool, List<String> statements) {
        List<CompletableFuture<Classification>> all = new ArrayList<>(statements.size());
        for (String s : statements) {
            Classification c = pool.cached(s);
            all.add(c != null ? CompletableFuture.completedFuture(c) : pool.classify(s));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> all.stream().map(CompletableFuture::join).toList());
    }
}
