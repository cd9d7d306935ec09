package dev.pgwarden.sidecar.masking.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.sidecar.masking.catalog.FunctionReads.UserFunction;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which user functions may return masked values, read from their bodies as pg_proc holds them. */
class FunctionReadsTest {
    private static final Set<String> TABLES = Set.of("customers", "shop.customers");
    private static final Set<String> VIEWS = Set.of("contacts", "shop.contacts");

    private static UserFunction sql(String name, String body) {
        return new UserFunction("shop", name, false, "sql", body);
    }

    private static UserFunction plpgsql(String name, String body) {
        return new UserFunction("shop", name, false, "plpgsql", body);
    }

    private static Map<String, String> read(boolean wallStands, UserFunction... functions) {
        return FunctionReads.mayReturnMasked(List.of(functions), TABLES, VIEWS, wallStands);
    }

    @Test
    void aFunctionReadingNoMaskedRelationReturnsItsRealResult() {
        Map<String, String> why = read(
                false,
                sql("add_one", "SELECT $1 + 1"),
                plpgsql("shout", "BEGIN RAISE NOTICE 'value is %', t; RETURN upper(t); END"),
                sql("order_total", "SELECT sum(amount) FROM shop.orders WHERE customer_id = $1"),
                // A name that only contains a masked table's name is another name.
                sql("customer_count", "SELECT count(*) FROM shop.customers_archive"));
        assertThat(why).isEmpty();
    }

    @Test
    void aFunctionReadingAMaskedTableMayReturnItsValues() {
        Map<String, String> why = read(
                false,
                sql("email_of", "SELECT email FROM shop.customers WHERE id = $1"),
                sql("bare", "SELECT email FROM customers"),
                sql("quoted", "SELECT email FROM \"shop\".\"customers\""),
                sql("upper_case", "SELECT email FROM SHOP.CUSTOMERS"),
                plpgsql(
                        "loop",
                        "DECLARE r record; BEGIN FOR r IN SELECT * FROM customers LOOP RETURN r.email; END LOOP; END"));
        assertThat(why).containsOnlyKeys("email_of", "bare", "quoted", "upper_case", "loop");
        assertThat(why.get("email_of")).isEqualTo("email_of() reads shop.customers");
    }

    @Test
    void withTheDatabasesWallAFunctionRunningAsItsCallerReadsMaskedTablesMasked() {
        UserFunction invoker = sql("email_of", "SELECT email FROM shop.customers WHERE id = $1");
        UserFunction definer =
                new UserFunction("shop", "email_as_owner", true, "sql", "SELECT email FROM shop.customers");
        UserFunction overView = sql("contact_of", "SELECT contact FROM shop.contacts");
        Map<String, String> why = read(true, invoker, definer, overView);
        assertThat(why).containsOnlyKeys("email_as_owner", "contact_of");
        assertThat(why.get("email_as_owner")).contains("as its owner (SECURITY DEFINER)");
        assertThat(why.get("contact_of")).isEqualTo("contact_of() reads shop.contacts");
    }

    @Test
    void dynamicSqlAndUnreadableLanguagesMayReadAnything() {
        Map<String, String> why = read(
                false,
                plpgsql("dyn", "BEGIN RETURN QUERY EXECUTE 'SELECT em' || 'ail FROM cust' || 'omers'; END"),
                sql("xml", "SELECT query_to_xml('SELECT * FROM ' || $1, true, false, '')::text"),
                new UserFunction("shop", "py", false, "plpython3u", "return plpy.execute('SELECT 1')"),
                new UserFunction("shop", "agg", false, "internal", "aggregate_dummy"),
                plpgsql("broken", "BEGIN RETURN 'unterminated; END"));
        assertThat(why).containsOnlyKeys("dyn", "xml", "py", "agg", "broken");
        assertThat(why.get("dyn")).contains("SQL built at run time");
        assertThat(why.get("py")).contains("LANGUAGE plpython3u");
    }

    @Test
    void whatAFunctionCallsItMayReturn() {
        Map<String, String> why = read(
                false,
                sql("inner_fn", "SELECT email FROM shop.customers LIMIT 1"),
                sql("middle", "SELECT shop.inner_fn()"),
                plpgsql("outer_fn", "BEGIN RETURN middle(); END"),
                sql("unrelated", "SELECT 1"));
        assertThat(why).containsOnlyKeys("inner_fn", "middle", "outer_fn");
        assertThat(why.get("outer_fn")).isEqualTo("outer_fn() calls middle(), which may return masked values");
    }

    @Test
    void oneOverloadThatMayIsEnough() {
        Map<String, String> why = read(false, sql("pick", "SELECT 1"), sql("pick", "SELECT email FROM customers"));
        assertThat(why).containsOnlyKeys("pick");
    }

    @Test
    void withNothingMaskedDynamicSqlReadsNothingMasked() {
        Map<String, String> why = FunctionReads.mayReturnMasked(
                List.of(plpgsql("dyn", "BEGIN EXECUTE 'SELECT 1'; END")), Set.of(), Set.of(), true);
        assertThat(why).isEmpty();
    }
}
