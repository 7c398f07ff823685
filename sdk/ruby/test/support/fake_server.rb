# frozen_string_literal: true

require "json"
require "socket"
require "time"
require "uri"

# A loopback HTTP server that answers as a test scripts it, for the failures the real
# server cannot show (a 503 before a 200, a connection reset, a decision that contradicts
# itself). Each connection gets one request and one answer.
class FakeServer
  Request = Struct.new(:method, :path, :query, :headers, :body) do
    def json
      JSON.parse(body)
    end
  end

  # An answer that takes hours: +at_once+ is written, then +trickled+ one byte at a
  # time, each soon enough to keep a per-read timeout from ever firing.
  Trickle = Struct.new(:at_once, :trickled)
  TRICKLE_PAUSE = 0.05

  attr_reader :url

  # The block gets each Request and returns [status, body] or [status, body, headers] (a
  # Hash body is sent as JSON),
  # :reset (the connection is reset), :close (closed without an answer) or a Trickle.
  def initialize(&handler)
    @handler = handler
    @closed = false
    @listener = TCPServer.new("127.0.0.1", 0)
    @url = "http://127.0.0.1:#{@listener.addr[1]}"
    @requests = []
    @lock = Mutex.new
    @threads = []
    @acceptor = Thread.new { accept_loop }
  end

  def requests
    @lock.synchronize { @requests.dup }
  end

  # The request_id of the first submit: what every answer about the command names.
  def request_id
    submit = requests_to("POST", "/api/v1/commands").first or raise "nothing was submitted"
    submit.json["request_id"]
  end

  def requests_to(method, path_suffix)
    requests.select { |request| request.method == method && request.path.end_with?(path_suffix) }
  end

  def close
    @closed = true
    @listener.close
    @acceptor.join
    @lock.synchronize { @threads.dup }.each { |thread| thread.join(10) }
  end

  private

  def accept_loop
    loop do
      socket = @listener.accept
      thread = Thread.new { serve(socket) }
      @lock.synchronize { @threads << thread }
    end
  rescue IOError, SystemCallError
    nil # closed
  end

  def serve(socket)
    request = read_request(socket)
    return if request.nil?

    @lock.synchronize { @requests << request }
    answer(socket, @handler.call(request))
  rescue IOError, SystemCallError
    nil # the client went away
  ensure
    socket.close unless socket.closed?
  end

  def read_request(socket)
    line = socket.gets("\r\n") or return nil
    method, target = line.split(" ")
    headers = {}
    while (header = socket.gets("\r\n")) && header != "\r\n"
      name, value = header.split(":", 2)
      headers[name.downcase] = value.strip
    end
    body = socket.read(headers.fetch("content-length", "0").to_i)
    uri = URI.parse(target)
    Request.new(method, uri.path, URI.decode_www_form(uri.query || "").to_h, headers, body)
  end

  def answer(socket, reply)
    case reply
    when :reset
      socket.setsockopt(Socket::SOL_SOCKET, Socket::SO_LINGER, [1, 0].pack("ii"))
    when :close
      nil
    when Trickle
      trickle(socket, reply)
    else
      status, body, headers = reply
      text = body.is_a?(String) ? body : JSON.generate(body)
      extra = (headers || {}).map { |name, value| "#{name}: #{value}\r\n" }.join
      socket.write("HTTP/1.1 #{status} X\r\nContent-Type: application/json\r\n#{extra}" \
                   "Content-Length: #{text.bytesize}\r\nConnection: close\r\n\r\n#{text}")
    end
  end

  # Until the client hangs up (the write then fails) or the server closes.
  def trickle(socket, reply)
    socket.write(reply.at_once)
    reply.trickled.each_char do |char|
      break if @closed

      socket.write(char)
      sleep(TRICKLE_PAUSE)
    end
  end
end

# Commands and decisions as the real server shapes them.
module Wire
  module_function

  def command(request_id, id: "cmd_1", status: "pending", decision: nil, timeout: 60, escalated_by: nil)
    created = Time.utc(2026, 11, 21, 10, 0, 0)
    expires = created + timeout + (escalated_by || 0)
    {
      "id" => id, "request_id" => request_id, "command" => "ignored", "status" => status,
      "created_at" => created.iso8601(6), "expires_at" => expires.iso8601(6),
      "escalated_at" => escalated_by && (created + timeout).iso8601(6),
      "decision" => decision
    }
  end

  def decided(request_id, state, id: "cmd_1", **changes)
    decision = {
      "request_id" => request_id, "command_id" => id, "approved" => state == "approved",
      "decision" => state, "latency_ms" => 12.5, "reviewer" => state == "approved" || state == "denied" ? "alice" : nil,
      "notes" => "because", "whitelisted" => false, "rule_id" => nil, "risk_score" => 20,
      "anomalies" => ["novelty"], "command" => "ignored", "edited" => false,
      "approvers" => state == "approved" ? ["alice"] : []
    }.merge(changes.transform_keys(&:to_s))
    command(request_id, id: id, status: state, decision: decision)
  end

  def error(code, message = "refused")
    { "error" => { "code" => code, "message" => message, "details" => {} } }
  end
end


# A signal from one thread to others, waited for with a bound so that a broken test fails
# instead of hanging.
class Latch
  def initialize
    @mutex = Mutex.new
    @opened = ConditionVariable.new
    @open = false
  end

  def open
    @mutex.synchronize do
      @open = true
      @opened.broadcast
    end
  end

  def wait(seconds = 30)
    give_up = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    @mutex.synchronize do
      until @open
        left = give_up - Process.clock_gettime(Process::CLOCK_MONOTONIC)
        raise "the latch was never opened" if left <= 0

        @opened.wait(@mutex, left)
      end
    end
  end
end
