package io.driftwatch.rules;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.FileEvent;
import io.driftwatch.rules.tuning.AlertException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kie.api.event.rule.ObjectDeletedEvent;
import org.kie.api.event.rule.ObjectInsertedEvent;
import org.kie.api.event.rule.ObjectUpdatedEvent;
import org.kie.api.event.rule.RuleRuntimeEventListener;
import org.kie.api.runtime.KieSession;

/**
 * The {@link AlertException}s in a session (from rules and tuning files), read again whenever one
 * is inserted, updated or deleted. Consulted once per alert, so a list is enough.
 */
final class ExceptionIndex implements RuleRuntimeEventListener {
  private final KieSession session;
  private boolean stale = true;
  private List<AlertException> exceptions = List.of();

  ExceptionIndex(KieSession session) {
    this.session = session;
    session.addEventListener(this);
  }

  boolean excepts(String ruleId, FileEvent completing, ContainerMetadata container, Set<String> users) {
    if (stale) {
      List<AlertException> fresh = new ArrayList<>();
      for (Object fact : session.getObjects(object -> object instanceof AlertException)) {
        fresh.add((AlertException) fact);
      }
      exceptions = fresh;
      stale = false;
    }
    if (exceptions.isEmpty()) {
      return false;
    }
    List<String> userList = List.copyOf(users);
    for (AlertException exception : exceptions) {
      if (exception.matches(ruleId, completing.getProcessName(), completing.getExe(), completing.getPath(),
          completing.getNewPath(), container == null ? null : container.getImage(),
          container == null ? null : container.getNamespace(), userList,
          container == null ? null : container.getContainerName())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void objectInserted(ObjectInsertedEvent event) {
    if (event.getObject() instanceof AlertException) {
      stale = true;
    }
  }

  @Override
  public void objectUpdated(ObjectUpdatedEvent event) {
    if (event.getObject() instanceof AlertException) {
      stale = true;
    }
  }

  @Override
  public void objectDeleted(ObjectDeletedEvent event) {
    if (event.getOldObject() instanceof AlertException) {
      stale = true;
    }
  }
}
