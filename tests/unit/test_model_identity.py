"""The reviewed model-identity rules and the guard (transforms/normalize/model_identity.py).

Every spelling here is a real one from the bundled sample (the 2020 dump or a leaderboard file);
the labelled pairs of tests/fixtures/model_pairs.csv score the rules as a whole.

Data sourced from the Papers with Code archive (CC BY-SA 4.0).
"""

from __future__ import annotations

import pytest

from transforms.normalize.model_identity import (
    RULE_NAMES,
    RULES,
    Citation,
    Evidence,
    base_form,
    close_brackets,
    configuration_form,
    group_spellings,
    marks,
    same_model,
    strip_citations,
    strip_footnote_year,
)

# --- each rule, with labelled examples ------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "rule"),
    [
        ("Mask R-CNN", "Mask-RCNN", "spelling"),
        ("Res2Net-101+HTC", "Res2Net101+HTC", "spelling"),
        ("Latent ODE (ODE enc", "Latent ODE (ODE enc)", "unbalanced_parenthesis"),
        ("LSTM", "LSTM (2018)", "year_suffix"),
        ("Large mLSTM +emb +WN +VD (2016)", "Large mLSTM +emb +WN +VD (2017)", "year_suffix"),
        ("NAS Cell", "NASCell (2016)", "year_suffix"),
        ("AWD-LSTM + dynamic eval", "AWD-LSTM + dynamic eval * (2017)", "footnote_mark"),
        ("Yang et al.", "Yang et al. \u2666 (2017)", "footnote_mark"),
        ("2-layer LSTM [[Tai et al.2015]]", "2-layer LSTM[tai2015improved]", "citation_tag"),
        ("DAN [cite:ICML15DAN]", "DAN[[Long et al.2015]]", "citation_tag"),
        ("CPN+", "CPN+ [6, 9]", "citation_tag"),
        ("GCN", "GCN (Kipf and Welling, 2017)", "citation_tag"),
        ("CNN-MC [[Kim2014]]", "CNN-MC [kim:13]", "citation_tag"),
        ("Transformer-XL (24 layers)", "Transformer-XL - 24 layers", "configuration"),
        ("IMPALA (deep)", "IMPALA, deep", "configuration"),
        ("PCB (RPP)", "PCB + RPP", "configuration"),
        ("A2C + gSDE", "A2C gSDE", "configuration"),
        ("LSTM (Hebbian, Cache, MbPA)", "LSTM + Hebbian + Cache + MbPA (2018)", "configuration"),
        ("Mask R-CNN (ResNet-50 + 1 NL)", "Mask R-CNN (ResNet-50, +1 NL)", "configuration"),
        ("Selector & Pointer-Generator", "Selector+Pointer Generator", "configuration"),
        ("ReasoNet (ensemble)", "ReasoNet ensemble", "configuration"),
        ("BIDAF (single)", "BiDAF (single model)", "marker_spelling"),
        ("SN-GAN", "SN-GANs", "plural"),
        ("F-ConvNet", "F-ConvNets", "plural"),
    ],
)
def test_each_rule_joins_its_spellings(a: str, b: str, rule: str) -> None:
    assert same_model(a, b) == rule
    assert same_model(b, a) == rule


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # version and size markers
        ("FixEfficientNet-B5", "FixEfficientNetB4"),
        ("Transformer-XL (12 layers)", "Transformer-XL (18 layers)"),
        ("All-attention network (18 layers)", "All-attention network - 36 layers"),
        ("BERT Base (2018)", "BERT Large"),
        ("MixNet-M", "MixNet-S"),
        ("FeatDepth-M", "FeatDepth-MS"),
        ("MaskFlownet", "MaskFlownet-S"),
        ("Transformer", "Transformer (big)"),
        # single model / ensemble markers
        ("BiDAF", "BiDAF (single model)"),
        ("BiDAF (2017)", "BiDAF (ensemble)"),
        ("ReasoNet (ensemble)", "ReasoNet (single model)"),
        ("Lee et al. (2017) (ensemble)", "Lee et al. (2017) (single)"),
        ("KIM", "KIM Ensemble"),
        # + marks a variant; * without a year suffix marks a variant
        ("RefineDet512 (VGG-16)", "RefineDet512+ (VGG-16)"),
        ("s4GAN+MLMT (DeepLab v3 ImageNet pre-trained)", "s4GAN+MLMT (DeepLab v3+ ImageNet pre-trained)"),
        ("FCIS +OHEM", "FCIS+++ +OHEM"),
        ("GALDNet", "GALDNet(+Mapillary)++"),
        ("ABS (2015)", "ABS+ (2015)"),
        ("CPN", "CPN+ [6, 9]"),
        ("HRNet", "HRNet*"),
        ("Zhang et al.", "Zhang et al. *"),
        # a bracketed tag that is not a citation is configuration
        ("Panoptic-DeepLab [Cityscapes-fine]", "Panoptic-DeepLab [Mapillary Vistas]"),
        ("IITNet CRNN [F4-EOG (left)]", "IITNet CRNN [Fpz-Cz]"),
        ("Panoptic-DeepLab", "Panoptic-DeepLab [Cityscapes-fine]"),
        # the case of a variant letter
        ("NoisyDARTS-A", "NoisyDARTS-a"),
        # a truncated name is closed, not completed
        ("Latent ODE (ODE enc", "Latent ODE + Poisson"),
    ],
)
def test_marks_and_variants_keep_spellings_apart(a: str, b: str) -> None:
    assert same_model(a, b) is None


def test_rules_are_cumulative_and_named() -> None:
    assert RULE_NAMES[0] == "spelling"
    assert len(set(RULE_NAMES)) == len(RULES)
    name = "LSTM + Hebbian + Cache + MbPA (2018)"
    # A later rule's key folds at least what an earlier one folds, on this spelling and its twin.
    joined = [rule.key(name) == rule.key("LSTM (Hebbian, Cache, MbPA)") for rule in RULES]
    assert joined == sorted(joined), "once joined, a later rule keeps them joined"
    assert all(rule.reason for rule in RULES)


# --- the transforms ------------------------------------------------------------------------------


def test_close_brackets_closes_what_a_truncation_left_open() -> None:
    assert close_brackets("Latent ODE (ODE enc") == "Latent ODE (ODE enc)"
    assert close_brackets("BERT + Multiple-CNN (ensemble)(Kyonggi University") == (
        "BERT + Multiple-CNN (ensemble)(Kyonggi University)"
    )
    assert close_brackets("X [a (b") == "X [a (b)]"
    assert close_brackets("Latent ODE (ODE enc)") == "Latent ODE (ODE enc)"


def test_only_a_footnote_before_a_year_suffix_is_a_footnote() -> None:
    assert strip_footnote_year("AWD-LSTM + dynamic eval * (2017)") == "AWD-LSTM + dynamic eval"
    assert strip_footnote_year("Chiu and Nichols \u2666 (2016)") == "Chiu and Nichols"
    assert strip_footnote_year("Zhang et al. *") == "Zhang et al. *"
    assert strip_footnote_year("LSTM (2018)") == "LSTM"
    assert strip_footnote_year("Lee et al. (2017) (ensemble)") == "Lee et al. (2017) (ensemble)"


@pytest.mark.parametrize(
    ("name", "rest", "tags"),
    [
        ("2-layer LSTM [[Tai et al.2015]]", "2-layer LSTM", (Citation("tai", "2015"),)),
        ("2-layer LSTM[tai2015improved]", "2-layer LSTM", (Citation("tai", "2015"),)),
        ("F-PointNet [Qi:2018fd]", "F-PointNet", (Citation("qi", "2018"),)),
        ("DenseNet-121 [Huang2017Densely]", "DenseNet-121", (Citation("huang", "2017"),)),
        ("PointNet++ [qi2017pointnet++]", "PointNet++", (Citation("qi", "2017"),)),
        ("CNN-MC [kim:13]", "CNN-MC", (Citation("kim", None),)),
        ("DAN [cite:ICML15DAN]", "DAN", (Citation(None, None, "cite:icml15dan"),)),
        ("MCB [11, 12]", "MCB", (Citation(None, None, "11,12"),)),
        ("Relation Net (Sung et al., 2018)", "Relation Net", (Citation("sung", "2018"),)),
        ("GCN (Kipf and Welling, 2017)", "GCN", (Citation("kipf", "2017"),)),
        (
            "TextSnake [[Long et al.(2018)Long, Ruan, Zhang, He, Wu, and Yao]]",
            "TextSnake",
            (Citation("long", "2018"),),
        ),
        # not citations: training data, channels, backbones, a bare tag
        ("Panoptic-DeepLab [Mapillary Vistas]", "Panoptic-DeepLab [Mapillary Vistas]", ()),
        ("IITNet CRNN [Fpz-Cz]", "IITNet CRNN [Fpz-Cz]", ()),
        ("X [ResNet50]", "X [ResNet50]", ()),
        ("DMN [ankit16]", "DMN [ankit16]", ()),
        ("[[Kim2014]]", "[[Kim2014]]", ()),
    ],
)
def test_citation_tags(name: str, rest: str, tags: tuple[Citation, ...]) -> None:
    assert strip_citations(name) == (rest, tags)


def test_citations_naming_other_papers_keep_spellings_apart() -> None:
    assert Citation("kim", "2016").contradicts(Citation("dong", "2016"))
    assert Citation("kim", "2015").contradicts(Citation("kim", "2016"))
    assert not Citation("kim", None).contradicts(Citation("kim", "2014"))
    assert not Citation(None, None, "cite:icml15dan").contradicts(Citation("long", "2015"))
    assert Citation(None, None, "6,9").contradicts(Citation(None, None, "11,12"))
    assert same_model("CPN+ [6, 9]", "CPN+ [11]") is None
    assert same_model("VDSR [[Kim et al.2016a]]", "VDSR [[Dong et al.2016]]") is None
    assert same_model("DAN [cite:ICML15DAN]", "DAN[[Long et al.2015]]") == "citation_tag"


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("PCB + RPP", "PCB RPP"),
        ("A2C+gSDE", "A2C gSDE"),
        ("LSTM +Pretrained on YT-8M", "LSTM Pretrained on YT-8M"),
        ("Mask R-CNN (ResNet-50, +1 NL)", "Mask R-CNN ResNet-50 1 NL"),
        ("Transformer-XL - 24 layers", "Transformer-XL 24 layers"),
        ("Selector & Pointer-Generator", "Selector Pointer-Generator"),
        # a + that names a variant stays
        ("UNet++", "UNet++"),
        ("CPN+", "CPN+"),
        ("RefineDet512+ (VGG-16)", "RefineDet512+ VGG-16"),
        ("DeepLab v3+ ImageNet", "DeepLab v3+ ImageNet"),
        ("DeepLabv3+ResNet101", "DeepLabv3+ResNet101"),
        ("GALDNet(+Mapillary)++", "GALDNet +Mapillary ++"),
        ("Simple Base+*", "Simple Base+*"),
        ("sMIM (1024) +", "sMIM 1024 +"),
    ],
)
def test_configuration_form(name: str, form: str) -> None:
    assert configuration_form(name) == form


def test_marks_are_read_without_the_year_and_citation() -> None:
    assert marks("LSTM (2018)") == marks("LSTM")
    assert marks("ResNet-50 [he2016deep]") == marks("ResNet-50")
    assert marks("FixEfficientNet-B4").numbers == ("4",)
    assert marks("Transformer-XL (24 layers)").numbers == ("24",)
    assert marks("BERT Large").sizes == ("large",)
    assert marks("QANet (single model)").markers == frozenset({"single"})
    assert marks("QANet (single)").markers == frozenset({"single"})
    assert marks("Single-shot deep CNN").markers == frozenset()
    assert marks("ResNeSt-200 (single-scale)").markers == frozenset()
    assert marks("SemBERT(ensemble)").markers == frozenset({"ensemble"})
    assert marks("HRNet*").stars == "*"
    assert marks("s4GAN+MLMT (DeepLab v3+ ImageNet pre-trained)").version_plus == 1
    assert base_form("AWD-LSTM + dynamic eval * (2017)") == "AWD-LSTM + dynamic eval"


# --- grouping a paper: the guard, ambiguity, keep_apart -------------------------------------------

BOARD = ("Word Level Models", "Penn Treebank", "test perplexity")
OTHER_BOARD = ("Word Level Models", "Penn Treebank", "number of params")


def test_a_paper_groups_its_spellings_and_records_each_rule() -> None:
    names = ["LSTM (Hebbian)", "LSTM + Hebbian", "LSTM + Hebbian (2018)", "LSTM", "LSTM (2018)"]
    grouped = group_spellings(names)
    assert len({grouped.label[n] for n in names[:3]}) == 1
    assert grouped.label["LSTM"] == grouped.label["LSTM (2018)"] != grouped.label["LSTM (Hebbian)"]
    assert grouped.join_rule("LSTM + Hebbian", "LSTM + Hebbian (2018)") == "year_suffix"
    assert grouped.join_rule("LSTM (Hebbian)", "LSTM + Hebbian (2018)") == "configuration"
    assert grouped.join_rule("LSTM", "LSTM (Hebbian)") is None
    assert grouped.label["LSTM"] == "LSTM", "a model's label is its smallest spelling"
    assert group_spellings(reversed(names)) == grouped, "deterministic whatever the order"


def test_the_guard_beats_every_rule() -> None:
    """AWD-LSTM-MoS (the dump: 54.44 test perplexity on Penn Treebank) and AWD-LSTM-MoS (2018)
    (NLP-progress: 55.97) are two entries, though the year-suffix rule would join them."""
    evidence = Evidence.from_cells(
        [
            ("AWD-LSTM-MoS", BOARD, "v:54.44"),
            ("AWD-LSTM-MoS (2018)", BOARD, "v:55.97"),
            ("AWD-LSTM-MoS", OTHER_BOARD, "v:22000000.0"),
            ("AWD-LSTM-MoS (2018)", OTHER_BOARD, "v:22000000.0"),
        ]
    )
    grouped = group_spellings(["AWD-LSTM-MoS", "AWD-LSTM-MoS (2018)"], evidence=evidence)
    assert grouped.label["AWD-LSTM-MoS"] != grouped.label["AWD-LSTM-MoS (2018)"]
    (rejected,) = grouped.rejected
    assert (rejected.rule, rejected.a, rejected.b) == ("year_suffix", "AWD-LSTM-MoS", "AWD-LSTM-MoS (2018)")
    assert rejected.conflict.board == BOARD
    assert (rejected.conflict.values_a, rejected.conflict.values_b) == (("v:54.44",), ("v:55.97",))


def test_the_guard_also_splits_a_spelling_merge() -> None:
    """Cluster-GCN and ClusterGCN (arXiv 1905.07953) sit in the PPI F1 leaderboard as 99.36 and 92.9."""
    board = ("Node Classification", "PPI", "f1")
    evidence = Evidence.from_cells([("Cluster-GCN", board, "v:99.36"), ("ClusterGCN", board, "v:92.9")])
    grouped = group_spellings(["Cluster-GCN", "ClusterGCN"], evidence=evidence)
    assert grouped.label["Cluster-GCN"] != grouped.label["ClusterGCN"]
    assert [r.rule for r in grouped.rejected] == ["spelling"]


def test_equal_values_in_one_leaderboard_are_no_conflict() -> None:
    evidence = Evidence.from_cells([("LSTM", BOARD, "v:36.4"), ("LSTM (2018)", BOARD, "v:36.4")])
    grouped = group_spellings(["LSTM", "LSTM (2018)"], evidence=evidence)
    assert grouped.label["LSTM"] == grouped.label["LSTM (2018)"] and not grouped.rejected


def test_a_spelling_that_fits_two_models_is_left_apart() -> None:
    """He et al. (82.1 F1) and He et al., (85.5) are two entries; a third spelling that could be
    either stays on its own rather than being guessed into one of them."""
    board = ("Semantic Role Labeling", "OntoNotes", "f1")
    evidence = Evidence.from_cells([("He et al.", board, "v:82.1"), ("He et al.,", board, "v:85.5")])
    grouped = group_spellings(["He et al.", "He et al.,", "He et al"], evidence=evidence)
    assert grouped.label["He et al."] == grouped.label["He et al"], "the spelling rule, before the conflict"
    assert grouped.label["He et al.,"] != grouped.label["He et al."]
    three = group_spellings(["He et al. (2018)", "He et al.", "He et al.,"], evidence=evidence)
    assert three.label["He et al. (2018)"] == three.label["He et al."], "the year suffix joins first"
    assert three.label["He et al.,"] != three.label["He et al."]
    assert [(r.rule, r.a, r.b) for r in three.rejected] == [("configuration", "He et al.", "He et al.,")]
    held = group_spellings(
        ["X (a)", "X + a", "X, a"],
        evidence=Evidence.from_cells([("X (a)", board, "v:1"), ("X + a", board, "v:2")]),
    )
    assert len(set(held.label.values())) == 3 and held.held_back == ("X, a",)


def test_keep_apart_names_stay_on_their_own() -> None:
    grouped = group_spellings(["Pix2Pix", "Pix2pix", "pix2pix"], apart={"Pix2Pix"})
    assert grouped.label["Pix2pix"] == grouped.label["pix2pix"] != grouped.label["Pix2Pix"]
