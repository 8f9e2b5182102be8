package io.driftwatch.rules;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ResponseAction;
import org.kie.api.runtime.rule.RuleContext;

/**
 * Where response-policy rules send the actions they decide on. DRL sees it as the global
 * {@code global io.driftwatch.rules.Responses responses;}:
 *
 * <pre>{@code
 * responses.command( drools, $alert, ResponseAction.NOTIFY );
 * }</pre>
 *
 * <p>The command is issued at the alert's event time and expires ten minutes later; it is also
 * inserted into the session as a {@code ResponseCommand} event, so policies can de-duplicate
 * with {@code not ResponseCommand( ... )}.
 */
public interface Responses {

  /**
   * Issues a command for the container of an alert.
   *
   * @param drools the rule's context ({@code drools} in a right-hand side)
   * @param alert  the alert the command answers
   * @param action what the node's responder should do
   */
  void command(RuleContext drools, Alert alert, ResponseAction action);
}
