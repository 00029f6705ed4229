# Drives a beanstalkd-protocol server with Ruby's beaneater client library (not our code).
# Usage: ruby beaneater_smoke.rb HOST:PORT   -- prints "beaneater-smoke: ok" and exits 0 on success.
require 'beaneater'

def check(what, cond)
  raise "beaneater-smoke: FAILED: #{what}" unless cond
  puts "ok - #{what}"
end

address = ARGV.fetch(0)
bs = Beaneater.new(address)
tube = bs.tubes['smoke']

job = tube.put('hello world', pri: 5, ttr: 30)
check('put returns an id', job[:id].to_i > 0)
check('peek-ready finds it', tube.peek(:ready).body == 'hello world')

bs.tubes.watch!('smoke')
got = bs.tubes.reserve(2)
check('reserve returns the body', got.body == 'hello world')
check('stats-job says reserved', got.stats.state == 'reserved')
got.bury
check('bury makes it buried', bs.jobs.find(got.id).stats.state == 'buried')
kicked = tube.kick(1)
check('kick moves it back', kicked[:status] == 'KICKED' && kicked[:id] == '1')
again = bs.tubes.reserve(2)
check('same job reserved again', again.id == got.id)
again.release(delay: 0, pri: 10)
again = bs.tubes.reserve(2)
again.touch
again.delete
check('delete removes it', bs.jobs.find(again.id).nil?)

10.times { |i| tube.put("job #{i}") }
bodies = []
10.times { j = bs.tubes.reserve(2); bodies << j.body; j.delete }
check('ten jobs come back in order', bodies == (0..9).map { |i| "job #{i}" })

tube.put('later', delay: 1)
check('delayed job visible to peek-delayed', tube.peek(:delayed).body == 'later')
check('stats-tube counts it', tube.stats.current_jobs_delayed == 1)
t0 = Time.now
j = bs.tubes.reserve(5)
check('delayed job arrives after ~1 s', j.body == 'later' && Time.now - t0 > 0.5)
j.delete

begin
  bs.tubes.reserve(0)
  check('reserve with timeout 0 times out', false)
rescue Beaneater::TimedOutError
  check('reserve with timeout 0 times out', true)
end

tube.pause(1)
check('pause-tube shows in stats-tube', tube.stats.pause == 1)
stats = bs.stats
check('server stats parse', stats.version == '1.12' && stats.keys.size >= 51 && stats.current_jobs_ready == 0)
check('list-tubes includes smoke', bs.tubes.all.map(&:name).include?('smoke'))
bs.close
puts 'beaneater-smoke: ok'
