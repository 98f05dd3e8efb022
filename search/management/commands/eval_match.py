import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search import match_eval
from search import match_suite as suite


class Command(BaseCommand):
    help = (
        "Measure image-match accuracy on a folder of patterns: two thirds registered, "
        "the rest distractors, every image queried under every alteration of the "
        "suite. Prints recall@5 per alteration and the false-match rate at the fixed "
        "threshold, with the imagehash pHash and PDQ-8-orientation baselines."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR")
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument("--jobs", type=int, default=2, help="Worker processes.")
        parser.add_argument(
            "--every",
            type=int,
            default=1,
            help="Query only every n-th image (all are still registered).",
        )
        parser.add_argument(
            "--offset",
            type=int,
            default=0,
            help="With --every n: start at this image, for disjoint subsets.",
        )
        parser.add_argument(
            "--alteration",
            action="append",
            choices=list(suite.ALTERATIONS),
            help="Only these alterations (repeatable).",
        )
        parser.add_argument(
            "--rows",
            metavar="FILE",
            help="Also write every query's result as JSON lines to FILE.",
        )
        parser.add_argument(
            "--fillers",
            type=int,
            default=0,
            metavar="N",
            help="Also register N generated textures: a larger registry, where a "
            "flag on a filler is always a false match.",
        )
        parser.add_argument(
            "--photo",
            type=int,
            default=0,
            metavar="N",
            help="Where nothing matches, align the embedding's best N designs as a "
            "photo of the print (the search's photo option; slower).",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self, *args, folder, as_json, jobs, every, offset, alteration, **options
    ):
        path = Path(folder)
        if options["fillers"] < 0:
            raise CommandError("--fillers must be 0 or more.")
        if options["photo"] < 0:
            raise CommandError("--photo must be 0 or more.")
        if not path.is_dir() or not match_eval.pattern_files(path):
            raise CommandError(f"{folder} is not a folder with PNG/JPEG/WebP images.")
        rows_file = None

        def on_row(row: dict) -> None:
            # Written as they come, so a long run can be looked at before it ends;
            # opened at the first row, so a run refused before it starts leaves an
            # existing file as it was.
            nonlocal rows_file
            if options.get("rows"):
                rows_file = rows_file or open(options["rows"], "w")
                rows_file.write(json.dumps(row) + "\n")
                rows_file.flush()

        try:
            quiet, out = options["no_progress"], self.stderr._out
            with (
                tqdm(
                    unit="filler", disable=quiet or not options["fillers"], file=out
                ) as filler_bar,
                tqdm(unit="query", disable=quiet, file=out) as bar,
            ):

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                def filler_progress(done: int, total: int) -> None:
                    filler_bar.total = total
                    filler_bar.update(done - filler_bar.n)

                report = match_eval.evaluate(
                    path,
                    alterations=alteration,
                    jobs=jobs,
                    every=every,
                    offset=offset,
                    progress=progress,
                    on_row=on_row,
                    fillers=options["fillers"],
                    filler_progress=filler_progress,
                    photo=options["photo"],
                )
        except match_eval.NothingToEvaluate as error:
            raise CommandError(str(error)) from error
        finally:
            if rows_file:
                rows_file.close()
        table = report.table()
        if as_json:
            self.stdout.write(json.dumps(table))
            return
        self.stdout.write(self.format(table))

    @staticmethod
    def format(table: dict) -> str:
        methods = table["methods"]
        eng, ph, pdq = methods["engine"], methods["phash"], methods["pdq8"]
        lines = [
            f"{table['registered']} registered, {table['distractors']} distractors, "
            f"{table['queries']} queries; engine threshold {table['threshold']}",
            "",
            "| alteration | engine recall@5 | engine shortlist | pHash recall@5 "
            "| pHash @≤1% false | PDQ×8 recall@5 | PDQ×8 @≤1% false |",
            "|---|---|---|---|---|---|---|",
        ]
        for alt, value in eng["recall_at_5"].items():
            lines.append(
                f"| {alt} | {value:.3f} | {eng['shortlist_recall'][alt]:.3f} "
                f"| {ph['recall_at_5'][alt]:.3f} | {ph['recall_at_1pct_false'][alt]:.3f} "
                f"| {pdq['recall_at_5'][alt]:.3f} "
                f"| {pdq['recall_at_1pct_false'][alt]:.3f} |"
            )
        lines.append(
            f"| **mean** | **{eng['mean_recall_at_5']:.3f}** | "
            f"| {ph['mean_recall_at_5']:.3f} | {ph['mean_recall_at_1pct_false']:.3f} "
            f"| {pdq['mean_recall_at_5']:.3f} | {pdq['mean_recall_at_1pct_false']:.3f} |"
        )
        lines += [
            "",
            f"engine: min recall@5 {eng['min_recall_at_5']:.3f}, distractor queries "
            f"flagged as a match {eng['false_match_rate']:.2%}",
        ]
        if table.get("fillers"):
            rate = eng["flagged_filler_rate"]
            lines.append(
                f"{table['fillers']} generated fillers registered as well; queries "
                f"that flagged one: registered {rate['registered_queries']:.2%}, "
                f"distractor {rate['distractor_queries']:.2%}"
            )
        lines.append(
            f"pHash Hamming cut at ≤1% false: {ph['hamming_cut_at_1pct']}; "
            f"PDQ×8: {pdq['hamming_cut_at_1pct']}"
        )
        by_source = eng.get("recall_by_source", {})
        if len(by_source) > 1:
            lines.append("engine recall@5 by source folder (mean; lowest alteration):")
            for source, info in by_source.items():
                worst = min(info["recall_at_5"], key=info["recall_at_5"].get)
                lines.append(
                    f"  {source}: {info['designs']} registered designs, "
                    f"{info['mean_recall_at_5']:.3f}; {worst} "
                    f"{info['recall_at_5'][worst]:.3f}"
                )
        derived = eng.get("derived_distractors", {})
        if derived:
            lines.append(
                "flagged distractors that are pixel-level copies of the registered "
                "pattern they were flagged against (kept in the rate above):"
            )
            for name, info in derived.items():
                lines.append(
                    f"  {name} ~ {info['registered']}: pixel correlation "
                    f"{info['pixel_correlation']:.2f} at scale {info['scale']:.2f}"
                )
            lines.append(
                "distractor queries flagged, the others only: "
                f"{eng['false_match_rate_unrelated']:.2%}"
            )
        return "\n".join(lines)
