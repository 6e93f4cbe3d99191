/*
 * Luister local stack: one OpenSearch 2.19 node in one JVM, from Maven Central jars.
 *
 * Run as a single-file source program (JDK 17, no build step) on the classpath that
 * deploy/local/opensearch/pom.xml resolves:
 *
 *   java -Xms1g -Xmx1g -cp CLASSPATH deploy/local/opensearch/SearchNode.java HOME HTTP_PORT CLUSTER_NAME
 *
 * It wraps org.codelibs.opensearch.runner.OpenSearchRunner instead of calling its main(),
 * because that main() picks the HTTP port itself: it scans upward from -baseHttpPort + 1,
 * silently takes the next free port when the wanted one is busy, and refuses any port
 * above 9299. Here the port is exactly HTTP_PORT, or the node fails to bind and exits.
 *
 * (New indices default to 0 replicas through the persistent cluster setting
 * cluster.default_number_of_replicas, which pipeline/stack.py applies once the node answers:
 * as a node setting here it is accepted but ignored.)
 *
 * Data lives in HOME/node_1/data and survives restarts. SIGTERM closes the node cleanly
 * (the shutdown hook flushes and closes it), then the JVM exits.
 */

import org.codelibs.opensearch.runner.OpenSearchRunner;

public class SearchNode {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: SearchNode HOME HTTP_PORT CLUSTER_NAME");
            System.exit(2);
        }
        final String home = args[0];
        final int httpPort = Integer.parseInt(args[1]);
        final String clusterName = args[2];

        final OpenSearchRunner runner = new OpenSearchRunner();
        runner.setMaxHttpPort(-1); // no port scanning: use exactly http.port below
        runner.onBuild((index, settings) -> settings
                .put("http.port", httpPort)
                .put("network.host", "127.0.0.1")
                .put("discovery.type", "single-node")
                .putList("node.roles", "cluster_manager", "data", "ingest")
                // A fullish developer disk must never flip indices to read-only.
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .put("action.auto_create_index", true));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        try {
            runner.build(OpenSearchRunner.newConfigs()
                    .basePath(home)
                    .numOfNode(1)
                    .clusterName(clusterName)
                    .printOnFailure());
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }
}
