# frozen_string_literal: true

require_relative "test_helper"

# The client's bound on a wait, on a clock the test moves by hand.
class DeadlineTest < Minitest::Test
  View = Struct.new(:created_at, :expires_at, :escalated_at)
  CREATED = Time.utc(2026, 11, 21, 10, 0, 0)

  def setup
    @now = 1000.0
  end

  def deadline(timeout)
    Expacti::Deadline.new(timeout, clock: -> { @now })
  end

  def view(expires_in, escalated: false)
    View.new(CREATED, CREATED + expires_in, escalated ? CREATED + 1 : nil)
  end

  def test_the_runs_own_timeout_plus_the_grace_from_the_first_submit
    bound = deadline(30)
    @now += 7 # before the submit: not counted
    bound.start
    @now += 10
    bound.start # a resend does not restart the clock
    assert_in_delta 25.0, bound.remaining
    bound.observe(view(60))
    assert_in_delta 25.0, bound.remaining, 0.001, "the run's own timeout wins over the organisation's"
  end

  def test_the_organisations_timeout_read_from_the_first_command
    bound = deadline(nil)
    bound.start
    assert_equal 600, bound.budget
    bound.observe(view(45))
    assert_in_delta 45.0, bound.budget
    assert_in_delta 50.0, bound.remaining
  end

  def test_an_escalation_extends_a_run_without_its_own_timeout_by_as_much
    bound = deadline(nil)
    bound.start
    bound.observe(view(60))
    bound.observe(view(60)) # nothing moved
    assert_in_delta 65.0, bound.remaining
    bound.observe(view(360, escalated: true))
    assert_in_delta 365.0, bound.remaining
    bound.observe(view(300, escalated: true)) # never shortened
    assert_in_delta 365.0, bound.remaining
  end

  def test_a_later_expiry_without_an_escalation_does_not_extend
    bound = deadline(nil)
    bound.start
    bound.observe(view(60))
    bound.observe(view(90))
    assert_in_delta 65.0, bound.remaining
  end

  def test_an_escalation_does_not_extend_a_run_with_its_own_timeout
    bound = deadline(20)
    bound.start
    bound.observe(view(20))
    bound.observe(view(320, escalated: true))
    assert_in_delta 25.0, bound.remaining
  end

  def test_an_odd_organisation_timeout_is_ignored
    bound = deadline(nil)
    bound.start
    bound.observe(view(-5))
    assert_equal 600, bound.budget
  end

  def test_passes_on_the_clock
    bound = deadline(1)
    bound.start
    @now += 6
    assert_operator bound.remaining, :<=, 0
  end
end

# Pauses between attempts.
class BackoffTest < Minitest::Test
  Highest = Struct.new(:value) do
    def rand
      value
    end
  end

  def test_doubles_from_a_tenth_of_a_second_to_five_seconds_with_full_jitter
    top = Highest.new(0.999999)
    ceilings = (1..10).map { |failures| Expacti::Backoff.delay(failures, random: top).round(3) }
    assert_equal [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0, 5.0], ceilings
    assert_equal 0.0, Expacti::Backoff.delay(3, random: Highest.new(0.0))
    assert_equal 0.0, Expacti::Backoff.delay(0)
    assert_in_delta 5.0, Expacti::Backoff.delay(10_000, random: top), 0.001
  end
end
