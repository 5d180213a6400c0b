"""The command line: each command parses its options and calls one library function.

Exceptions of the program's own (:class:`KpiWorkbookError`) become a Japanese message
and exit code 2 here, and only here; nothing else ever shows a traceback to a user.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import traceback

import click

from . import __version__
from .core.errors import KpiWorkbookError


def _progress(total: int, label: str):
    """A click progress bar on stderr, or None when there is little to do."""
    if total < 5 or not sys.stderr.isatty() and not os.environ.get("KPI_WORKBOOK_PROGRESS"):
        return None
    return click.progressbar(length=total, label=label, file=sys.stderr)


class _Group(click.Group):
    """Turns the program's own errors into a message and exit code 2 for every command."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KpiWorkbookError as exc:
            click.echo(f"エラー：{exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kpi-workbook")
@click.option("--round-dir", default=None, type=click.Path(file_okay=False),
              help="回のフォルダ（round.toml のあるフォルダ）。既定：作業フォルダに round.toml があればそこ")
@click.pass_context
def cli(ctx, round_dir):
    """連携中枢都市圏・定住自立圏のKPI調査を Excel で実施するツール。

    回のフォルダ（kpi-workbook init で作成）で実行すると、各コマンドの指定を round.toml から取ります。"""
    if ctx.invoked_subcommand in ("init", "surveys", "demo"):
        return
    if round_dir is None and not os.path.isfile("round.toml"):
        return  # not in a round's folder: nothing to read (and a command starts sooner)
    from .core.round_folder import command_defaults, find

    folder = find(round_dir)
    if folder is not None:
        ctx.default_map = command_defaults(folder)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--from", "previous_round", default=None, type=click.Path(exists=True, file_okay=False),
              help="前回の回のフォルダ。その定義を版を上げて写し、前回のCSVと名簿を引き継ぐ")
@click.option("--survey", default="renkei", show_default=True, help="--from がないときに写す調査の定義")
@click.option("--round", "round_", default=None, help="調査回の名前（既定：前回の回の年度を1つ進めたもの）")
@click.option("--roster", default=None, type=click.Path(dir_okay=False, exists=True), help="圏域の名簿")
def init(folder, previous_round, survey, round_, roster):
    """新しい調査回のフォルダ（round.toml と調査の定義）を作成する。"""
    from .core.round_folder import init_round

    path = init_round(folder, previous_round, survey=survey, round_=round_, roster=roster)
    click.echo(f"回のフォルダを作成しました：{path}")
    click.echo("round.toml と調査の定義を確認・編集してから、このフォルダで kpi-workbook generate を実行してください。")


@cli.command()
@click.option("--roster", required=True, type=click.Path(dir_okay=False), help="圏域の名簿（CSV：UTF-8/Shift_JIS、または .xlsx）")
@click.option("--survey", default="renkei", show_default=True, help="調査の定義（templates/ の名前、または .toml のパス）")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="調査票を書き出すフォルダ")
@click.option("--force", is_flag=True, help="同名のファイルがあれば上書きする")
@click.option("--password", default=None, help="シート保護のパスワード（既定：なし）")
@click.option("--secret", default=None, help="管理情報に署名する秘密鍵（環境変数 KPI_WORKBOOK_SECRET でも可）")
@click.option("--jobs", default=None, type=click.IntRange(1, 64), help="並列処理の数（既定：CPUコア数）")
@click.option("--deadline", default=None, help="提出期限（例：2026-10-31）。記入要領の冒頭に表示する")
@click.option("--contact", default=None, help="問い合わせ先（部署・電話・メール）。記入要領の冒頭に表示する")
@click.option("--round", "round_", default=None, help="調査回の名前（例：令和9年度調査。既定：調査の定義のもの）")
@click.option("--previous", default=None, type=click.Path(file_okay=False), help="前回の集計結果のCSVフォルダ（consolidate --csv）。各圏域の調査票に前回の事業・KPI・実績を記入しておく")
def generate(roster, survey, out_dir, force, password, secret, jobs, deadline, contact, round_, previous):
    """名簿の圏域ごとに調査票（.xlsx）を作成する。"""
    from .checking.report import format_findings
    from .core.survey import load_survey
    from .generation.workbooks import generate as run
    from .reading.roster import read_roster

    definition = load_survey(survey)
    total = len(read_roster(roster, definition)[0])
    bar = _progress(total, "調査票を作成中")
    if bar:
        with bar:
            result = run(roster, definition, out_dir, force=force, password=password,
                         secret=secret, progress=bar.update, jobs=jobs, deadline=deadline, contact=contact,
                         round_=round_, previous=previous)
    else:
        result = run(roster, definition, out_dir, force=force, password=password, secret=secret, jobs=jobs,
                     deadline=deadline, contact=contact, round_=round_, previous=previous)
    if result.findings:
        click.echo(format_findings(result.findings))
    click.echo(f"{len(result.written)}件の調査票を作成しました（対象 {result.regions}圏域）：{out_dir}")
    errors = [f for f in result.findings if f.is_error]
    sys.exit(1 if errors else 0)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--roster", default=None, type=click.Path(dir_okay=False), help="圏域の名簿（圏域コードの照合に使う）")
@click.option("--survey", default=None, help="調査の定義（既定：ファイルの管理情報から判定）")
@click.option("--json", "as_json", is_flag=True, help="指摘と正規化した値を JSON で出力する")
@click.option("--annotate", "annotate_dir", default=None, type=click.Path(file_okay=False),
              help="指摘箇所に色とコメントを付けた確認結果ファイルをこのフォルダに書き出す")
@click.option("--secret", default=None, help="署名を検証する秘密鍵（環境変数 KPI_WORKBOOK_SECRET でも可）")
@click.option("--round", "round_", default=None, help="調査回の名前（例：令和9年度調査。既定：調査の定義のもの）")
@click.option("--definitions", default=None, type=click.Path(file_okay=False),
              help="調査の定義（.toml）を置いたフォルダ。--survey がなければ、ファイルの管理情報の調査・版に合う定義をここからも探す")
def check(files, roster, survey, as_json, annotate_dir, secret, round_, definitions):
    """提出された調査票を読み込み、記入内容の問題をセル単位で報告する。"""
    from .checking.check import check_files
    from .checking.report import format_findings, summary_line, to_json

    definition = regions = None
    if survey:
        from .core.survey import load_survey
        definition = load_survey(survey)
    if roster:
        from .core.survey import load_survey
        from .reading.roster import read_roster
        regions = read_roster(roster, definition or load_survey("renkei"))[0]
    bar = _progress(len(files), "調査票を確認中")
    with bar or contextlib.nullcontext():
        if annotate_dir:
            from .checking.annotate import check_and_annotate
            results = check_and_annotate(files, annotate_dir, survey=definition, roster=regions, secret=secret,
                                         round_=round_, definitions=definitions, progress=bar and bar.update)
        else:
            results = check_files(files, survey=definition, roster=regions, secret=secret, round_=round_,
                                  definitions=definitions, progress=bar and bar.update)
    findings = [f for r in results for f in r.findings]
    if as_json:
        click.echo(to_json({"files": [r.to_dict() for r in results]}))
    else:
        if findings:
            click.echo(format_findings(findings))
        for r in results:
            if r.annotated:
                click.echo(f"確認結果ファイル：{r.annotated}")
        clean = sum(1 for r in results if r.ok)
        click.echo(f"{len(results)}件のファイルを確認しました（問題なし {clean}件）。{summary_line(findings)}")
    sys.exit(1 if any(f.is_error for f in findings) else 0)


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--roster", required=True, type=click.Path(dir_okay=False), help="圏域の名簿")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="集計結果のファイル（.xlsx）")
@click.option("--survey", default=None, help="調査の定義（既定：提出ファイルの管理情報から判定）")
@click.option("--definitions", default=None, type=click.Path(file_okay=False),
              help="調査の定義（.toml）を置いたフォルダ。--survey がなければ、提出ファイルの調査・版に合う定義をここからも探す")
@click.option("--csv", "csv_dir", default=None, type=click.Path(file_okay=False), help="正規化した表を CSV で書き出すフォルダ")
@click.option("--json", "as_json", is_flag=True, help="提出状況と指摘を JSON で出力する")
@click.option("--jobs", default=None, type=click.IntRange(1, 64), help="並列処理の数（既定：CPUコア数）")
@click.option("--secret", default=None, help="署名を検証する秘密鍵（環境変数 KPI_WORKBOOK_SECRET でも可）")
@click.option("--evaluation", "evaluation_dir", default=None, type=click.Path(file_okay=False),
              help="圏域ごとの事務事業評価（.xlsx）を書き出すフォルダ")
@click.option("--round", "round_", default=None, help="今回の調査回の名前（既定：調査の定義のもの）。別の回の調査票は集計に使わない")
@click.option("--previous", default=None, type=click.Path(file_okay=False), help="前回の集計結果のCSVフォルダ。KPIの見直し状況を比べる（KPI見直し状況、revisions.csv）")
def consolidate(folder, roster, output, survey, definitions, csv_dir, as_json, jobs, secret, evaluation_dir, round_,
                previous):
    """フォルダ内の提出ファイルをすべて確認し、全国の集計結果を作成する。"""
    from pathlib import Path

    from .checking.report import format_consolidation, to_json
    from .consolidation.consolidate import consolidate as run
    from .consolidation.discover import discover

    total = len(discover(Path(folder))[0])
    bar = _progress(2 * total, "提出ファイルを確認中")
    if bar:
        def tick(n, stage="check"):
            if stage == "write":
                bar.label = "集計結果を書き出し中"
            bar.update(n)
        with bar:
            result = run(folder, roster, output, csv_dir=csv_dir, jobs=jobs, survey=survey,
                         progress=tick, secret=secret, evaluation_dir=evaluation_dir, keep_findings=as_json,
                         round_=round_, previous=previous, definitions=definitions)
    else:
        result = run(folder, roster, output, csv_dir=csv_dir, jobs=jobs, survey=survey, secret=secret,
                     evaluation_dir=evaluation_dir, keep_findings=as_json, round_=round_, previous=previous,
                     definitions=definitions)
    findings = result.findings + [f for s in result.submissions for f in s.findings]
    counts = result.finding_counts()
    if as_json:
        click.echo(to_json({"output": str(result.output), "totals": result.totals.to_dict(), "counts": counts,
                            "submissions": [s.to_dict() for s in result.submissions],
                            "findings": [f.to_dict() for f in findings]}))
    else:
        if result.chosen:
            click.echo(result.chosen)
        click.echo(format_consolidation(result))
        t = result.totals
        click.echo(f"行数の照合：読み込んだ行 {t.read}件 ＝ 集計した行 {t.kept}件 ＋ 除外した行 {t.rejected}件")
        click.echo(f"名簿 {len(result.regions)}圏域、提出 {len(result.used)}圏域、未提出 {len(result.missing)}圏域。"
                   f"エラー {counts['error']}件、警告 {counts['warning']}件")
        click.echo(f"集計結果：{result.output}")
        if csv_dir:
            click.echo(f"CSV：{csv_dir}")
        if evaluation_dir:
            click.echo(f"圏域ごとの事務事業評価：{evaluation_dir}（{len(result.used)}ファイル）")
    problems = result.missing or any(s.errors for s in result.used) or any(f.is_error for f in findings)
    sys.exit(1 if problems else 0)


@cli.command()
@click.option("--out", "out_dir", default="demo-out", show_default=True, type=click.Path(file_okay=False))
def demo(out_dir):
    """同梱のサンプルで一連の処理（作成→記入→集計）を2回分（前回・今回）実行する。"""
    from .demo import run_demo

    made = run_demo(out_dir)
    result = made["result"]
    t = result.totals
    click.echo(f"前回（{made['round1'] / 'summary.xlsx'}、CSV：{made['round1'] / 'csv'}）をもとに今回の調査票を作成しました。")
    click.echo(f"調査票（前回の内容を記入済み）：{made['workbooks']}")
    click.echo(f"記入済みの提出ファイル：{made['returns']}（{len(result.used)}圏域）")
    click.echo(f"行数の照合：読み込んだ行 {t.read}件 ＝ 集計した行 {t.kept}件 ＋ 除外した行 {t.rejected}件")
    click.echo(f"未提出：{'、'.join(r.name for r in result.missing) or 'なし'}")
    click.echo(f"集計結果：{result.output}")
    click.echo(f"CSV：{result.csv_dir}（前回との比較：revisions.csv）")
    click.echo(f"ウェブ報告：{made['site'] / 'index.html'}（ブラウザで開けます）")


@cli.command()
@click.argument("csv_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(), help="ウェブ報告（静的サイト）を書き出すフォルダ")
@click.option("--survey", default=None, help="調査の定義（既定：CSVフォルダの datapackage.json の調査・版から判定）")
@click.option("--definitions", default=None, type=click.Path(file_okay=False),
              help="調査の定義（.toml）を置いたフォルダ。--survey がなければ、CSVの調査・版に合う定義をここからも探す")
@click.option("--previous", default=None, type=click.Path(exists=True, file_okay=False),
              help="前回の集計結果のCSVフォルダ。前回との比較のページを加える")
@click.option("--force", is_flag=True, help="空でない出力先を置き換える")
def publish(csv_dir, out_dir, survey, definitions, previous, force):
    """集計結果のCSV（consolidate --csv）から、誰でも開けるウェブ報告を作成する。"""
    from .publishing.publish import publish as run

    bars = []

    def tick(done, total):
        if not bars:
            bars.append(_progress(total, "ウェブ報告を作成中"))
        if bars[0]:
            bars[0].update(1)

    try:
        out = run(csv_dir, out_dir, survey=survey, force=force, previous=previous, progress=tick,
                  definitions=definitions)
    finally:
        if bars and bars[0]:
            bars[0].render_finish()
    pages = len(list(out.rglob("*.html")))
    click.echo(f"ウェブ報告：{out / 'index.html'}（{pages}ページ。ネットワーク接続なしで開けます）")


@cli.command()
def surveys():
    """使える調査の定義を一覧表示する。"""
    from .core.survey import available, load_survey

    for name in available():
        s = load_survey(name)
        click.echo(f"{name}\t{s.id} {s.version}\t{s.title}")


def _stop_cleanly(signum, frame):  # noqa: ARG001 - a signal handler's signature
    raise KeyboardInterrupt()  # unwinds as Ctrl-C does: temporaries and workers cleaned up


def main(argv=None):
    """Entry point of the ``kpi-workbook`` console script."""
    for name in ("SIGTERM", "SIGHUP"):  # a closed terminal, a kill, a scheduler's stop
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop_cleanly)
    for stream in (sys.stdout, sys.stderr):  # a console in cp932, or a name the OS gave
        if hasattr(stream, "reconfigure"):     # as undecodable bytes: never a crash for it
            stream.reconfigure(errors="replace")
    try:
        # Outside standalone mode click *returns* the code given to ctx.exit (our errors,
        # --help, --version) instead of exiting with it.
        code = cli.main(args=argv, prog_name="kpi-workbook", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.Abort:
        click.echo("中断しました。", err=True)
        sys.exit(130)
    except KpiWorkbookError as exc:
        click.echo(f"エラー：{exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("中断しました。書きかけのファイルは残していません。", err=True)
        sys.exit(130)
    except Exception:  # noqa: BLE001 - the one place a bug becomes a message
        if os.environ.get("KPI_WORKBOOK_DEBUG"):
            traceback.print_exc()
        click.echo("内部エラーが発生しました。KPI_WORKBOOK_DEBUG=1 を設定して再実行すると詳細が表示されます。", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
