# frozen_string_literal: true

require "json"
require "net/http"
require "securerandom"
require "uri"

# What the live tests share: the environment sdk/testing/live_server.py sets, its control
# API, and unique command texts. Without that environment the live tests fail: they never
# skip.
module Live
  VARIABLES = %w[EXPACTI_LIVE_HTTP_URL EXPACTI_LIVE_AGENT_TOKEN EXPACTI_LIVE_VECTORS_TOKEN EXPACTI_LIVE_CONTROL
                 EXPACTI_LIVE_SERVER EXPACTI_LIVE_REVIEWER_TOKEN].freeze
  missing = VARIABLES.reject { |name| ENV.fetch(name, "") != "" }
  unless missing.empty?
    raise "the live tests run under sdk/testing/live_server.py (make test); missing #{missing.join(", ")}"
  end

  URL = ENV.fetch("EXPACTI_LIVE_HTTP_URL")
  AGENT_TOKEN = ENV.fetch("EXPACTI_LIVE_AGENT_TOKEN")
  VECTORS_TOKEN = ENV.fetch("EXPACTI_LIVE_VECTORS_TOKEN")

  module_function

  def client(**options)
    Expacti::Client.new(url: URL, token: AGENT_TOKEN, **options)
  end

  # A command text no other test uses.
  def unique(what)
    "echo rb-#{what}-#{SecureRandom.hex(6)}"
  end

  # POST to the control API; its JSON answer.
  def control(path, body)
    call(URI("#{ENV.fetch("EXPACTI_LIVE_CONTROL")}#{path}"), Net::HTTP::Post, body: body)
  end

  # GET /command: the newest command with exactly +text+ (and +status+, waited for) and
  # how many there are.
  def command(text, status: nil)
    query = { "text" => text }
    query["status"] = status if status
    call(URI("#{ENV.fetch("EXPACTI_LIVE_CONTROL")}/command?#{URI.encode_www_form(query)}"), Net::HTTP::Get)
  end

  # GET on the server itself, as the live organisation's reviewer.
  def server_get(path)
    call(URI("#{ENV.fetch("EXPACTI_LIVE_SERVER")}#{path}"), Net::HTTP::Get, token: ENV.fetch("EXPACTI_LIVE_REVIEWER_TOKEN"))
  end

  def call(uri, method, body: nil, token: nil)
    request = method.new(uri)
    request["Content-Type"] = "application/json"
    request["Authorization"] = "Bearer #{token}" if token
    request.body = JSON.generate(body) if body
    response = Net::HTTP.start(uri.hostname, uri.port, read_timeout: 90) { |http| http.request(request) }
    raise "#{method::METHOD} #{uri.path}: HTTP #{response.code} #{response.body}" unless response.code.start_with?("2")

    JSON.parse(response.body)
  end

  # Run +block+ on a thread whose exception its #value raises (and does not print).
  def in_background(&block)
    thread = Thread.new(&block)
    thread.report_on_exception = false
    thread
  end
end
