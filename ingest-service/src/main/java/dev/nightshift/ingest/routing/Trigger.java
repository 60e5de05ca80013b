package dev.nightshift.ingest.routing;

/** What starts a worker. Closed: each source adds its own kind here. */
public sealed interface Trigger {

    /** A task added to a Todoist project, named by its id or its name. */
    record TodoistProject(String project) implements Trigger {
        public boolean matches(String projectId, String projectName) {
            return project.equals(projectId) || project.equals(projectName);
        }
    }
}
