package dev.nightshift.ingest.routing;

import java.time.ZoneId;
import java.util.List;

import org.springframework.scheduling.support.CronExpression;

/** What starts a worker: one kind per source. */
public sealed interface Trigger {

    /** The source whose tasks this trigger starts; a worker's task-bound outputs must report there. */
    String source();

    /** A task added to a Todoist project, named by its id or its name. */
    record TodoistProject(String project) implements Trigger {
        public boolean matches(String projectId, String projectName) {
            return project.equals(projectId) || project.equals(projectName);
        }

        @Override
        public String source() {
            return "todoist";
        }
    }

    /**
     * Activity in one GitHub repository; any of the conditions set starts the worker.
     *
     * @param repository   owner/name
     * @param label        an issue opened with this label, or given it
     * @param assignee     an issue assigned to this login
     * @param mention      a comment containing this handle (e.g. {@code @nightshift}) by an allowed author
     * @param pullRequests a pull request opened, or synchronized with new commits
     * @param pushBranch   a push to this branch (its commit range is the task)
     * @param allowedAssociations the {@code author_association} values whose items and comments start this worker;
     *                     null takes the service's {@code nightshift.ingest.github.allowed-associations}
     * @param allowedLogins logins that start this worker whatever their association
     */
    record GitHubRepository(String repository, String label, String assignee, String mention, boolean pullRequests,
            String pushBranch, List<String> allowedAssociations, List<String> allowedLogins) implements Trigger {

        /** GitHub's {@code author_association} values: who someone is to a repository. */
        public static final List<String> ASSOCIATIONS = List.of("OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR",
                "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "MANNEQUIN", "NONE");

        @Override
        public String source() {
            return "github";
        }
    }

    /**
     * Issues of one Linear team; either condition starts the worker.
     *
     * @param team          the team's key (ENG) or id
     * @param label         an issue created with this label, or given it
     * @param agentSessions the app user mentioned or delegated an issue of the team (an agent session)
     */
    record LinearTeam(String team, String label, boolean agentSessions) implements Trigger {
        public boolean matches(String teamId, String teamKey) {
            return team.equals(teamId) || team.equalsIgnoreCase(teamKey);
        }

        @Override
        public String source() {
            return "linear";
        }
    }

    /**
     * A background worker with a goal and no human task: fired at each slot of a cron expression.
     *
     * @param cron   Spring's cron format: second, minute, hour, day of month, month, day of week
     * @param zone   the time zone the expression is read in
     * @param missed what to do at start-up with the last slot that passed while no replica was up
     */
    record Schedule(CronExpression cron, ZoneId zone, Missed missed) implements Trigger {

        public enum Missed { RUN, SKIP }

        @Override
        public String source() {
            return "schedule";
        }
    }
}
