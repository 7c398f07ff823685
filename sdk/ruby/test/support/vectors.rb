# frozen_string_literal: true

require "json"

# The conformance vectors of protocol/vectors, read at test time, and how this SDK
# reaches them over the HTTP binding.
module Vectors
  DIR = File.expand_path("../../../../protocol/vectors", __dir__)

  def self.load(name)
    JSON.parse(File.read(File.join(DIR, name)))["cases"]
  end

  SERVER_CASES = load("server_frames.json").freeze
  CLIENT_CASES = load("client_frames.json").freeze

  # Server errors that depend on the server's state, not on the body: the body is fine.
  STATEFUL = %w[not_found request_id_conflict].freeze

  # Server frame types the HTTP binding never carries, and why. It carries decisions (a
  # Command's `decision` object) and errors (`{"error": {...}}` bodies); nothing else.
  SERVER_TYPES_OUT_OF_REACH = {
    "hello" => "HTTP has no handshake frame: the token is checked on every request",
    "accepted" => "HTTP answers a submit with a Command (201 created, 200 resumed)",
    "progress" => "a long-poll answers with the Command; partial approvals are not pushed",
    "pong" => "HTTP has no ping",
    "exec_ack" => "this SDK does not execute commands",
    "surprise" => "an HTTP body has no type: the endpoint says what it is",
    nil => "an HTTP body has no type: the endpoint says what it is"
  }.freeze

  # The reason a server case is out of this SDK's reach, or nil when it is replayed.
  def self.server_out_of_reach(vector)
    type = vector["frame"]["type"]
    return nil if %w[decision error].include?(type)

    SERVER_TYPES_OUT_OF_REACH.fetch(type) { raise "server vector #{vector["name"]}: no reason for type #{type.inspect}" }
  end

  # The HTTP body a server frame travels in: a decision as the Command's `decision`
  # object, an error as an error body.
  def self.server_body(frame)
    fields = frame.reject { |key, _| key == "type" }
    frame["type"] == "error" ? { "error" => fields } : fields
  end

  # The reason a client case cannot be built by this SDK, or nil.
  def self.client_out_of_reach(vector)
    return "raw text: the SDK only sends JSON it generated" if vector.key?("raw")

    frame = vector["frame"]
    case frame["type"]
    when "submit"
      frame.key?("encrypted") ? "end-to-end encrypted submits are not in this SDK" : nil
    when "session_end" then nil
    when "cancel"
      "HTTP cancels by command id in the path (POST /api/v1/commands/{id}/cancel); " \
        "a cancel naming a request_id has no HTTP form"
    when "ping" then "HTTP has no ping"
    when "exec_start", "exec_output", "exec_end" then "this SDK does not execute commands"
    else "a frame type the SDK never sends"
    end
  end

  # The case's frame with `expand` applied (long strings written out).
  def self.expanded(vector)
    frame = vector["frame"].dup
    (vector["expand"] || {}).each do |key, spec|
      text = spec["repeat"] * spec["count"]
      frame[key] = spec["as"] == "object_value" ? { "value" => text } : text
    end
    frame
  end

  # The body the SDK builds for the frame, with its builder for the type.
  def self.build(frame)
    case frame["type"]
    when "submit"
      Expacti::Submit.body(request_id: frame["request_id"], command: frame["command"], target: frame["target"],
                           timeout_seconds: frame["timeout_seconds"], session: frame["session"],
                           context: frame["context"])
    when "session_end" then Expacti::SessionEnd.body(frame["session_id"], frame["status"])
    else raise "the SDK never sends a #{frame["type"]}"
    end
  end

  SENT_FIELDS = %w[request_id command target timeout_seconds session context session_id status].freeze

  # The frame as an HTTP body: no type, unknown fields and nulls left out.
  def self.known(frame)
    frame.select { |key, value| SENT_FIELDS.include?(key) && !value.nil? }
  end

  def self.server_case(name)
    SERVER_CASES.find { |vector| vector["name"] == name } or raise "no server vector #{name}"
  end
end
