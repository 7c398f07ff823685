# frozen_string_literal: true

require "timeout"

require_relative "test_helper"
require_relative "support/fake_server"

# Client#run over the HTTP binding against a scripted loopback server: what it sends, how
# it maps each decision, and that it cancels whatever it stops waiting for.
class RunTest < Minitest::Test
  parallelize_me!

  def serve(&handler)
    @server = FakeServer.new(&handler)
    @client = Expacti::Client.new(url: @server.url, token: "agent-token")
    @server
  end

  def teardown
    @server&.close
  end

  # Answers the submit with a pending command, then each long-poll with the next of
  # +polls+ (called with the request_id and the request), the last one over and over.
  def pending_then(*polls)
    serve do |request|
      if request.method == "POST" && request.path == "/api/v1/commands"
        [201, Wire.command(request.json["request_id"])]
      elsif request.path.end_with?("/cancel")
        [200, Wire.decided(@server.request_id, "cancelled")]
      else
        answered = @server.requests_to("GET", "/cmd_1").size - 1
        polls.fetch([answered, polls.size - 1].min).call(@server.request_id, request)
      end
    end
  end

  def cancels
    @server.requests_to("POST", "/cancel")
  end

  def test_an_approval_at_the_submit_whitelisted
    serve do |request|
      [201, Wire.decided(request.json["request_id"], "approved", reviewer: nil, whitelisted: true, rule_id: "rule_1")]
    end
    decision = @client.run("uptime", target: "web-1", timeout: 30, context: { ticket: "OPS-7" },
                                     session: { id: "s-1", steps: %w[look fix], current_step: 0 })
    assert_equal [true, "approved", true, "rule_1", nil, "cmd_1", "uptime"],
                 [decision.approved?, decision.decision, decision.whitelisted?, decision.rule_id, decision.reviewer,
                  decision.command_id, decision.command]
    submit = @server.requests.fetch(0)
    assert_equal 1, @server.requests.size
    assert_equal ["POST", "/api/v1/commands", "Bearer agent-token", "application/json"],
                 [submit.method, submit.path, submit.headers["authorization"], submit.headers["content-type"]]
    assert_equal({ "request_id" => decision.request_id, "command" => "uptime", "target" => "web-1", "timeout_seconds" => 30,
                   "session" => { "id" => "s-1", "steps" => %w[look fix], "current_step" => 0 },
                   "context" => { "ticket" => "OPS-7" } }, submit.json)
    assert_match(/\A\h{32}\z/, decision.request_id)
  end

  def test_long_polls_until_decided
    pending_then(->(rid, _) { [200, Wire.command(rid)] }, ->(rid, _) { [200, Wire.decided(rid, "approved")] })
    decision = @client.run("make deploy")
    assert_equal [true, "alice", ["alice"]], [decision.approved, decision.reviewer, decision.approvers]
    polls = @server.requests_to("GET", "/api/v1/commands/cmd_1")
    assert_equal 2, polls.size
    polls.each do |poll|
      assert_equal "Bearer agent-token", poll.headers["authorization"]
      assert_operator poll.query.fetch("wait").to_f, :<=, 60
      assert_operator poll.query.fetch("wait").to_f, :>, 0
      refute_includes poll.query.keys, "token"
    end
    assert_empty cancels
  end

  def test_a_denial_raises_with_the_command_reviewer_and_note_and_cancels_nothing
    pending_then(->(rid, _) { [200, Wire.decided(rid, "denied", notes: "not on a Friday")] })
    error = assert_raises(Expacti::CommandDeniedError) { @client.run("rm -rf /srv") }
    assert_equal ["rm -rf /srv", "alice", "not on a Friday", "denied", false],
                 [error.command, error.reviewer, error.notes, error.decision.decision, error.decision.approved?]
    assert_empty cancels
  end

  def test_a_cancellation_raises_a_denial
    pending_then(->(rid, _) { [200, Wire.decided(rid, "cancelled", notes: "withdrawn")] })
    error = assert_raises(Expacti::CommandDeniedError) { @client.run("ls") }
    assert_equal ["cancelled", nil], [error.decision.decision, error.reviewer]
  end

  def test_the_servers_timeout_raises_with_its_decision
    pending_then(->(rid, _) { [200, Wire.decided(rid, "timed_out", notes: "no decision within 60 s")] })
    error = assert_raises(Expacti::CommandTimeoutError) { @client.run("ls") }
    assert_equal ["timed_out", "cmd_1", "ls"], [error.decision.decision, error.command_id, error.command]
    assert_empty cancels
  end

  def test_an_edit_is_the_command_to_run
    pending_then(->(rid, _) { [200, Wire.decided(rid, "approved", command: "terraform plan", edited: true)] })
    decision = @client.run("terraform apply")
    assert_equal ["terraform plan", "terraform apply", true], [decision.command, decision.original_command, decision.edited?]
  end

  def test_a_contradicting_decision_is_refused_and_the_command_cancelled
    pending_then(->(rid, _) { [200, Wire.decided(rid, "denied", approved: true)] })
    error = assert_raises(Expacti::ProtocolError) { @client.run("ls") }
    assert_nil error.code
    assert_equal [{ "reason" => "invalid answer from the server" }], cancels.map(&:json)
    assert_equal "/api/v1/commands/cmd_1/cancel", cancels.first.path
  end

  def test_a_duplicate_key_is_refused_and_the_command_cancelled
    pending_then(lambda { |rid, _|
      [200, JSON.generate(Wire.decided(rid, "denied")).sub('"approved":false', '"approved":false,"approved":true')]
    })
    error = assert_raises(Expacti::ProtocolError) { @client.run("ls") }
    assert_match(/duplicate key "approved"/, error.message)
    assert_equal 1, cancels.size
  end

  def test_the_clients_deadline_raises_and_cancels
    pending_then(lambda { |rid, request|
      sleep(request.query.fetch("wait").to_f) # a long-poll that nobody answers
      [200, Wire.command(rid, timeout: 1)]
    })
    error = assert_raises(Expacti::CommandTimeoutError) { @client.run("sleep 1", timeout: 1) }
    assert_nil error.decision
    assert_equal [{ "reason" => "agent deadline passed" }], cancels.map(&:json)
    assert(@server.requests_to("GET", "cmd_1").all? { |poll| poll.query["wait"].to_f <= 6 })
  end

  def test_a_caller_timeout_reaches_the_caller_and_cancels
    release = Latch.new
    pending_then(lambda { |rid, _|
      release.wait
      [200, Wire.command(rid)]
    })
    assert_raises(Timeout::Error) { Timeout.timeout(0.5) { @client.run("make stalled") } }
    assert_equal [{ "reason" => "the agent stopped waiting" }], cancels.map(&:json)
  ensure
    release.open
  end

  {
    "an_interrupt" => [->(run) { run.raise(Interrupt) }, Interrupt],
    "thread_kill" => [->(run) { run.kill }, nil]
  }.each do |name, (stop, raised)|
    define_method("test_#{name}_during_the_long_poll_cancels") do
      polled = Latch.new
      release = Latch.new
      pending_then(lambda { |rid, _|
        polled.open
        release.wait
        [200, Wire.command(rid)]
      })
      run = Thread.new { @client.run("make stalled") }
      run.report_on_exception = false
      polled.wait
      stop.call(run)
      if raised
        assert_raises(raised) { run.join } # unchanged: the SDK never rescues it
      else
        run.join
      end
      assert_equal [{ "reason" => "the agent stopped waiting" }], cancels.map(&:json)
    ensure
      release.open
    end
  end

  def test_an_interrupt_during_the_submit_finds_the_command_and_cancels_it
    submitted = Latch.new
    release = Latch.new
    serve do |request|
      if request.path.end_with?("/cancel")
        [200, Wire.decided(@server.request_id, "cancelled")]
      elsif @server.requests_to("POST", "/api/v1/commands").size == 1
        submitted.open
        release.wait
        :close
      else
        [200, Wire.command(request.json["request_id"])] # resumed
      end
    end
    run = Thread.new { @client.run("make stalled") }
    run.report_on_exception = false
    submitted.wait
    run.raise(Interrupt)
    assert_raises(Interrupt) { run.join }
    submits = @server.requests_to("POST", "/api/v1/commands")
    assert_equal 2, submits.size
    assert_equal submits[0].json, submits[1].json
    assert_equal ["/api/v1/commands/cmd_1/cancel"], cancels.map(&:path)
  ensure
    release.open
  end

  def test_concurrent_runs_each_get_their_own_decision
    serve do |request|
      if request.method == "POST"
        rid = request.json["request_id"]
        [201, Wire.command(rid, id: "cmd_#{rid}")]
      else
        rid = request.path.split("cmd_").last
        [200, Wire.decided(rid, "approved", id: "cmd_#{rid}")]
      end
    end
    runs = Array.new(8) { |index| Thread.new { @client.run("echo #{index}") } }
    decisions = runs.map(&:value)
    assert_equal (0..7).map { |index| "echo #{index}" }, decisions.map(&:command)
    assert_equal decisions.map { |decision| "cmd_#{decision.request_id}" }, decisions.map(&:command_id)
    assert_equal 8, decisions.map(&:request_id).uniq.size
  end

  def test_ending_a_session
    serve { [204, ""] }
    assert_nil @client.end_session("s-1", status: :failed)
    request = @server.requests.fetch(0)
    assert_equal ["/api/v1/sessions/end", { "session_id" => "s-1", "status" => "failed" }], [request.path, request.json]
  end
end
