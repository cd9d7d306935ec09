package dev.pgwarden.sidecar.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * One namespace of the server's, as pgwarden tracks it: a name holds a value once the server
 * acknowledged creating it, and until then (or while its removal is unanswered) every value it
 * may have counts.
 */
class ServerNamespaceTest {
    private final ServerNamespace<String> names = new ServerNamespace<>();

    private ServerNamespace.Define<String> define(String key, String value) {
        return names.expect(new ServerNamespace.Define<>(key, Set.of(value), key.isEmpty()));
    }

    @Test
    void aNameExistsOnlyOnceItsCreationIsAcknowledged() {
        var d = define("s1", "select");
        assertThat(names.current("s1")).isNull();
        assertThat(names.possible("s1").values()).containsExactly("select");
        assertThat(names.possible("s1").mayBeAbsent()).isTrue();
        names.settle(d, true);
        assertThat(names.current("s1")).isEqualTo("select");
        assertThat(names.possible("s1").mayBeAbsent()).isFalse();
    }

    @Test
    void aCreationThatFailedLeavesNothing() {
        var d = define("s1", "select");
        names.settle(d, false);
        assertThat(names.current("s1")).isNull();
        assertThat(names.possible("s1").unknown()).isTrue();
        assertThat(names.everything()).isEmpty();
    }

    @Test
    void aNamedCreationOfATakenNameIsNotAPossibility() {
        names.settle(define("s1", "select"), true);
        var again = define("s1", "delete");
        assertThat(names.possible("s1").values())
                .as("the server fails it: the name is taken")
                .containsExactly("select");
        names.settle(again, false);
        assertThat(names.current("s1")).isEqualTo("select");
    }

    @Test
    void theUnnamedOneIsReplacedWhateverItWas() {
        names.settle(define("", "select"), true);
        var next = define("", "delete");
        assertThat(names.possible("").values()).containsExactly("delete");
        names.settle(next, true);
        assertThat(names.current("")).isEqualTo("delete");
    }

    @Test
    void aRemovalCountsOnlyWhenAcknowledged() {
        names.settle(define("c", "cursor"), true);
        var r = names.expect(new ServerNamespace.Remove<String>("c"));
        assertThat(names.possible("c").values()).containsExactly("cursor");
        assertThat(names.possible("c").mayBeAbsent()).isTrue();
        names.settle(r, false);
        assertThat(names.current("c")).isEqualTo("cursor");
        names.settle(names.expect(new ServerNamespace.Remove<>("c")), true);
        assertThat(names.current("c")).isNull();
    }

    @Test
    void aNameFreedByAnUnansweredRemovalMayBeTakenByWhatFollows() {
        names.settle(define("s1", "select"), true);
        names.expect(new ServerNamespace.Remove<String>("s1"));
        define("s1", "delete");
        assertThat(names.possible("s1").values()).containsExactlyInAnyOrder("select", "delete");
    }

    @Test
    void removeAllForgetsOnlyNamesWhoseEveryValueItRemoves() {
        names.settle(define("a", "held cursor"), true);
        names.settle(define("b", "cursor"), true);
        var all = names.expect(new ServerNamespace.RemoveAll<String>(v -> !v.startsWith("held")));
        assertThat(names.possible("a").mayBeAbsent()).isFalse();
        assertThat(names.possible("b").mayBeAbsent()).isTrue();
        names.settle(all, true);
        assertThat(names.current("a")).isEqualTo("held cursor");
        assertThat(names.current("b")).isNull();
    }

    @Test
    void namesTheServerDropsOnItsOwnGo() {
        names.settle(define("a", "held cursor"), true);
        names.settle(define("b", "cursor"), true);
        names.dropConfirmed(v -> !v.startsWith("held"));
        assertThat(names.current("a")).isEqualTo("held cursor");
        assertThat(names.current("b")).isNull();
    }

    @Test
    void aChangeIsSettledOnce() {
        var d = define("s1", "select");
        names.settle(d, false);
        names.settle(d, true);
        assertThat(names.current("s1"))
                .as("an answer for a change already settled changes nothing")
                .isNull();
    }

    @Test
    void everythingCountsConfirmedAndUnansweredValues() {
        names.settle(define("a", "one"), true);
        define("b", "two");
        assertThat(names.everything()).containsExactlyInAnyOrder("one", "two");
    }
}
