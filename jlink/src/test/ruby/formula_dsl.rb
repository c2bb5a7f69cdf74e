# A stand-in for the part of Homebrew's formula DSL that atmosphere.rb uses — enough to load the
# formula as Homebrew would on each platform, run its install block into a prefix (moving and
# linking real files, as Homebrew does), its test block, and read its service. Prints JSON.
#   ruby formula_dsl.rb FORMULA UNPACKED_ARCHIVE_DIR WORK_DIR
# Homebrew itself cannot run here (it needs macOS or its own Linux prefix and the network); this
# checks that the formula names files the archive has and downloads whose sums match.
require "fileutils"
require "json"
require "open3"
require "pathname"

formula_file, unpacked, work = ARGV
abort "usage: formula_dsl.rb FORMULA UNPACKED_ARCHIVE_DIR WORK_DIR" unless work

class Pathname
  # Homebrew's Pathname#install moves each source into this directory
  def install(*sources)
    mkpath
    sources.flatten.each do |s|
      s = Pathname(s)
      raise "install: #{s} does not exist" unless s.exist? || s.symlink?
      FileUtils.mv(s.to_s, (self / s.basename).to_s)
    end
  end

  def install_symlink(*sources)
    mkpath
    sources.flatten.each do |s|
      raise "install_symlink: #{s} does not exist" unless Pathname(s).exist?
      FileUtils.ln_s(s.to_s, (self / Pathname(s).basename).to_s)
    end
  end
end

class Formula
  class << self
    attr_reader :info, :service_block, :test_block

    # the platform this load pretends to be on: [os, cpu]
    def platform = $formula_platform

    def field(name, value)
      (@info ||= {})[name] = value
    end

    def desc(v) = field("desc", v)
    def homepage(v) = field("homepage", v)
    def license(v) = field("license", v)
    def url(v) = field("url", v)
    def sha256(v) = field("sha256", v)

    def version(v = nil)
      v ? field("version", v) : @info["version"]
    end

    def on_macos = (yield if platform[0] == "macos")
    def on_linux = (yield if platform[0] == "linux")
    def on_arm = (yield if platform[1] == "arm")
    def on_intel = (yield if platform[1] == "intel")
    def service(&block) = (@service_block = block)
    def test(&block) = (@test_block = block)
  end

  attr_reader :prefix, :testpath

  def initialize(prefix, testpath)
    @prefix = Pathname(prefix)
    @testpath = Pathname(testpath)
  end

  def version = self.class.version
  def libexec = prefix / "libexec"
  def bin = prefix / "bin"
  def opt_bin = bin
  def var = prefix / "var"
  def man1 = prefix / "share/man/man1"
  def bash_completion = prefix / "etc/bash_completion.d"
  def zsh_completion = prefix / "share/zsh/site-functions"
  def fish_completion = prefix / "share/fish/vendor_completions.d"

  def system(*args)
    raise "system #{args.join(' ')} failed" unless Kernel.system(*args.map(&:to_s), out: :err)
  end

  def shell_output(cmd)
    out, status = Open3.capture2(cmd)
    raise "#{cmd} exited #{status.exitstatus}" unless status.success?
    out
  end

  def assert_path_exists(path) = (raise "#{path} does not exist" unless Pathname(path).exist?)
  def assert_match(pattern, text) = (raise "#{pattern.inspect} not in #{text.inspect}" unless text.match?(pattern))
end

# What `service do` says, recorded; like Homebrew's, it reaches the formula's paths (opt_bin, var)
class Service
  attr_reader :said

  def initialize(formula)
    @formula = formula
    @said = {}
  end

  def method_missing(name, *args) = @formula.respond_to?(name) ? @formula.send(name, *args) : super
  def respond_to_missing?(name, all = false) = @formula.respond_to?(name) || super
  def run(cmd) = (@said["run"] = Array(cmd).map(&:to_s))
  def keep_alive(opts) = (@said["keep_alive"] = opts)
  def log_path(p) = (@said["log_path"] = p.to_s)
  def error_log_path(p) = (@said["error_log_path"] = p.to_s)
  def environment_variables(vars) = (@said["environment_variables"] = vars)
  def working_dir(p) = (@said["working_dir"] = p.to_s)
end

def load_for(file, platform)
  Object.send(:remove_const, :Atmosphere) if Object.const_defined?(:Atmosphere)
  $formula_platform = platform
  load file
  Atmosphere
end

report = { "downloads" => {} }
[%w[macos arm], %w[macos intel], %w[linux arm], %w[linux intel]].each do |platform|
  klass = load_for(formula_file, platform)
  info = klass.info
  next unless info["url"]
  report["downloads"]["#{platform[0]}-#{platform[1]}"] = { "url" => info["url"], "sha256" => info["sha256"] }
  report["version"] = info["version"]
  report["license"] = info["license"]
end

# install and test as Homebrew does: in the archive's one folder, into a fresh prefix
formula = Atmosphere.new("#{work}/prefix", "#{work}/testpath")
FileUtils.mkdir_p(formula.testpath)
Dir.chdir(unpacked) { formula.install }
report["installed"] = Dir.glob("**/*", base: formula.prefix.to_s).reject { |f| f.start_with?("libexec/") }.sort
report["bin"] = File.readlink(formula.bin / "atmosphere")
report["caveats"] = formula.caveats
service = Service.new(formula)
service.instance_exec(&Atmosphere.service_block)
report["service"] = service.said
Dir.chdir(formula.testpath) { formula.instance_exec(&Atmosphere.test_block) }
report["test"] = "passed"
puts JSON.pretty_generate(report)
