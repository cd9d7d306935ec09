/**
 * What every admission handler uses: typed objects out of a request, answers back, and the
 * policy lookup. The handlers' packages depend on this one, and the server wiring on them.
 */
package dev.pgwarden.operator.webhook.admission;
