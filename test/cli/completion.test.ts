// `otherix completion bash|zsh|fish` (issue 17 item 6): scripts written from the command table.
// The bash script passes `bash -n`, and sourced in a real bash it is registered (`complete -p
// otherix`) and completes every command word by word, flags anywhere, and the values of choice
// flags, from the same table `otherix --help` lists. zsh and fish: every command and flag is in
// the script; where those shells are installed, their own syntax check passes, and the script
// completes there too (fish `complete -C`, zsh with its completion builtins stubbed).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { makeCliHome } from '../harness/cli.js';
import type { CliHome } from '../harness/cli.js';
import { makeShell } from '../harness/shell.js';
import type { Shell } from '../harness/shell.js';

let cli: CliHome;
let shell: Shell;
let scratch: string;
/** The commands and flags as `otherix --help` and each command's --help list them. */
let commands: Array<{ name: string; flags: string[] }>;

test.before(async () => {
  cli = await makeCliHome();
  shell = await makeShell();
  scratch = await mkdtemp(join(tmpdir(), 'otherix-completion-'));
  const top = await cli.run(['--help']);
  const names = [
    ...top.stdout
      .split('Commands:\n')[1]
      .split('\n\n')[0]
      .matchAll(/^ {2}(\S+(?: [a-z-]+)*?)(?: <[a-z-]+>)? {2,}/gm),
  ].map((m) => m[1]);
  commands = [];
  for (const name of names) {
    const help = await cli.run([...name.split(' '), '--help']);
    commands.push({ name, flags: [...help.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]) });
  }
});

test.after.always(async () => {
  await cli?.remove();
  await shell?.remove();
  await rm(scratch, { recursive: true, force: true });
});

function installed(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function script(shellName: string): Promise<string> {
  const run = await cli.run(['completion', shellName]);
  if (run.exitCode !== 0) throw new Error(run.stderr);
  return run.stdout;
}

/** Sources the bash script, then completes each line as bash would at its end (TAB after the last character). */
async function bashCompletes(lines: string[]): Promise<string[][]> {
  const file = join(scratch, 'otherix.bash');
  await writeFile(file, await script('bash'));
  const calls = lines.map((line) => `complete_at ${JSON.stringify(line)}`).join('\n');
  const run = await shell.run(`source ${JSON.stringify(file)}
complete_at() {
  COMP_LINE="$1"; COMP_POINT=\${#COMP_LINE}
  read -r -a COMP_WORDS <<< "$COMP_LINE"
  [[ "$COMP_LINE" =~ [[:space:]]$ ]] && COMP_WORDS+=('')
  COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
  COMPREPLY=()
  _otherix_complete
  echo "\${COMPREPLY[*]}"
}
${calls}`);
  if (run.exitCode !== 0) throw new Error(run.stderr);
  return run.stdout
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? [] : line.split(' ')));
}

test('the command list is read from the CLI itself', (t) => {
  t.true(commands.length >= 12, commands.map((c) => c.name).join(', '));
  t.true(commands.some((c) => c.name === 'completion'));
  t.true(commands.some((c) => c.name === 'node join-token create' && c.flags.includes('--print-bootstrap-command')));
});

test('the bash script passes bash -n; sourced in bash, complete -p otherix shows it', async (t) => {
  const file = join(scratch, 'syntax.bash');
  await writeFile(file, await script('bash'));
  const syntax = await shell.run(`bash -n ${JSON.stringify(file)}`);
  t.is(syntax.exitCode, 0, syntax.stderr);
  const before = await shell.run('complete -p otherix');
  t.not(before.exitCode, 0, 'nothing registered before');
  const loaded = await shell.run('source <(otherix completion bash) && complete -p otherix');
  t.is(loaded.exitCode, 0, loaded.stderr);
  t.is(loaded.stdout, 'complete -F _otherix_complete otherix\n');
});

test("bash completes every command word by word, and each command's flags, from the table", async (t) => {
  const lines: string[] = [];
  const expected: Array<{ line: string; word: string }> = [];
  for (const command of commands) {
    const words = command.name.split(' ');
    words.forEach((word, i) => {
      lines.push(`otherix ${[...words.slice(0, i), word.slice(0, 1)].join(' ')}`);
      expected.push({ line: lines.at(-1)!, word });
    });
    for (const flag of command.flags.filter((f) => f !== '--help' && f !== '--version')) {
      lines.push(`otherix ${command.name} ${flag}`);
      expected.push({ line: lines.at(-1)!, word: flag });
    }
  }
  const answers = await bashCompletes(lines);
  expected.forEach(({ line, word }, i) => t.true(answers[i].includes(word), `${line} -> ${answers[i].join(' ')}`));
});

test('bash: flags may come first, flag values are skipped, choices are offered, free values are left alone', async (t) => {
  const answers = await bashCompletes([
    'otherix ',
    'otherix --output json node ',
    'otherix node list --status ',
    'otherix node list --status not',
    'otherix api-token create --role op',
    'otherix whoami --output ',
    'otherix node join-token create --node-name ',
    'otherix node get node-1 --sh',
    'otherix completion ',
    'otherix node join-token revoke 9f1c --',
  ]);
  t.deepEqual(
    answers[0].filter((w) => !w.startsWith('-')),
    ['login', 'whoami', 'version', 'node', 'api-token', 'ca', 'completion'],
  );
  t.deepEqual(answers[1], ['join-token', 'list', 'get', '--help']);
  t.deepEqual(answers[2], ['pending', 'ready', 'not_ready', 'cordoned']);
  t.deepEqual(answers[3], ['not_ready']);
  t.deepEqual(answers[4], ['operator']);
  t.deepEqual(answers[5], ['text', 'json']);
  t.deepEqual(answers[6], [], 'a node name is for the operator to type');
  t.deepEqual(answers[7], ['--show-ids']);
  t.deepEqual(
    answers[8].filter((w) => !w.startsWith('-')),
    ['bash', 'zsh', 'fish'],
  );
  t.true(answers[9].includes('--output'), "after a positional, the command's flags");
});

test('zsh and fish scripts are non-empty and hold every command and flag; checked by the shell where installed', async (t) => {
  for (const shellName of ['zsh', 'fish']) {
    const text = await script(shellName);
    t.true(text.length > 0);
    for (const command of commands) {
      for (const word of command.name.split(' '))
        t.true(text.includes(`'${word}'`) || text.includes(`${word}:`) || text.includes(`${word} `), `${shellName}: ${command.name}`);
      for (const flag of command.flags)
        t.true(text.includes(shellName === 'fish' ? `-l ${flag.slice(2)}` : flag), `${shellName}: ${command.name} ${flag}`);
    }
  }
  const zshFile = join(scratch, '_otherix');
  await writeFile(zshFile, await script('zsh'));
  const fishFile = join(scratch, 'otherix.fish');
  await writeFile(fishFile, await script('fish'));
  if (installed('zsh')) {
    const syntax = await shell.run(`zsh -n ${JSON.stringify(zshFile)}`);
    t.is(syntax.exitCode, 0, syntax.stderr);
    // Registered after compinit; and with the completion builtins stubbed, what it offers.
    const driver = join(scratch, 'drive.zsh');
    await writeFile(
      driver,
      `autoload -U compinit; compinit -u -D; source ${zshFile}; print -r -- \${_comps[otherix]}
_describe() { print -rl -- "\${(@P)\${@[-1]}}"; }
compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }
words=(otherix node join-token cr); CURRENT=4; _otherix
words=(otherix --output json node list --status ''); CURRENT=7; _otherix
`,
    );
    const run = await shell.run(`zsh -f ${JSON.stringify(driver)}`);
    t.is(run.exitCode, 0, run.stderr);
    const lines = run.stdout.split('\n');
    t.is(lines[0], '_otherix');
    t.true(
      lines.some((line) => line.startsWith('create:Mint a join token')),
      run.stdout,
    );
    t.true(lines.includes('not_ready'), run.stdout);
  } else {
    t.log('zsh is not installed: its syntax check is skipped');
  }
  if (installed('fish')) {
    const syntax = await shell.run(`fish --no-execute ${JSON.stringify(fishFile)}`);
    t.is(syntax.exitCode, 0, syntax.stderr);
    const driver = join(scratch, 'drive.fish');
    await writeFile(
      driver,
      `source ${fishFile}\ncomplete -C 'otherix node join-token cr'\ncomplete -C 'otherix --output json node list --status '\n`,
    );
    const run = await shell.run(`fish --no-config ${JSON.stringify(driver)}`);
    t.is(run.exitCode, 0, run.stderr);
    t.regex(run.stdout, /^create\tMint a join token/m);
    t.regex(run.stdout, /^not_ready\t/m);
  } else {
    t.log('fish is not installed: its syntax check is skipped');
  }
});

test('completion for another shell, or none, is a usage error (exit 2)', async (t) => {
  const other = await cli.run(['completion', 'tcsh']);
  t.is(other.exitCode, 2);
  t.is(other.stderr, 'error: usage: no completion for the shell "tcsh": give bash, zsh, fish\n');
  const none = await cli.run(['completion']);
  t.is(none.exitCode, 2);
  t.regex(none.stderr, /^error: usage: missing required args for command `completion <shell>`/);
});
