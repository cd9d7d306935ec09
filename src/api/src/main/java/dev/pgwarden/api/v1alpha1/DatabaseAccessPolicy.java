package dev.pgwarden.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Who may reach which database through pgwarden, and under which rules. */
@Group(DatabaseAccessPolicy.GROUP)
@Version(DatabaseAccessPolicy.VERSION)
@ShortNames("dap")
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".spec.access.mode")
@AdditionalPrinterColumn(name = "Database", jsonPath = ".spec.database.name")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Role", jsonPath = ".status.credentials.role", priority = 1)
@AdditionalPrinterColumn(name = "Expires", jsonPath = ".status.credentials.expiresAt", priority = 1)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class DatabaseAccessPolicy extends CustomResource<DatabaseAccessPolicySpec, DatabaseAccessPolicyStatus>
        implements Namespaced {
    public static final String GROUP = "pgwarden.dev";
    public static final String VERSION = "v1alpha1";
}
