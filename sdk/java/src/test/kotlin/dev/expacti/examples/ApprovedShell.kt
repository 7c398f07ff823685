// The Kotlin example of the docs (docs/sdk-java.md). It is compiled with the tests and the
// live tests run it against the real server, so it cannot drift from the SDK.
@file:JvmName("ApprovedShell")

package dev.expacti.examples

import dev.expacti.CommandDeniedException
import dev.expacti.Decision
import dev.expacti.ExpactiClient
import dev.expacti.RunOptions
import kotlin.system.exitProcess

/** What [runApproved] did: the decision, and what the approved command printed. */
data class ApprovedRun(val decision: Decision, val output: String, val exitCode: Int)

/**
 * Asks a human before running [command] with `sh -c`, then runs what was approved: the
 * reviewer's edited text when they changed it ([Decision.command]), never the original.
 * Throws [CommandDeniedException] (or another ExpactiException) when it must not run.
 */
@JvmOverloads
fun ExpactiClient.runApproved(command: String, target: String? = null): ApprovedRun {
    val options = RunOptions.builder().apply { if (target != null) target(target) }.build()
    val decision = run(command, options)
    val process = ProcessBuilder("sh", "-c", decision.command()).redirectErrorStream(true).start()
    val output = process.inputStream.bufferedReader().use { it.readText() }
    return ApprovedRun(decision, output, process.waitFor())
}

/** `EXPACTI_URL=… EXPACTI_TOKEN=… ApprovedShell terraform apply`: ask, then run. */
fun main(args: Array<String>) {
    val client = ExpactiClient.builder()
        .url(System.getenv("EXPACTI_URL") ?: "ws://localhost:3001/shell/ws")
        .token(System.getenv("EXPACTI_TOKEN") ?: "demo-shell-token")
        .build()
    val exitCode = client.use {
        try {
            val run = it.runApproved(args.joinToString(" "))
            print(run.output)
            run.exitCode
        } catch (denied: CommandDeniedException) {
            val why = denied.notes ?: "no reason given"
            System.err.println("denied by ${denied.reviewer ?: "the system"}: $why")
            126
        }
    }
    exitProcess(exitCode)
}
