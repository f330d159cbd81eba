//! The UI string catalog, Korean first and English second.

/// A UI language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// 한국어 (default).
    Ko,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// Parses a stored tag; anything unknown is Korean.
    pub fn from_tag(tag: &str) -> Lang {
        if tag == "en" { Lang::En } else { Lang::Ko }
    }

    /// The other language.
    pub fn toggled(self) -> Lang {
        match self {
            Lang::Ko => Lang::En,
            Lang::En => Lang::Ko,
        }
    }
}

/// Every UI string, by key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// Site title.
    Title,
    /// Breadcrumb.
    Breadcrumb,
    /// Lab heading.
    LabHeading,
    /// Lab intro text.
    LabIntro,
    /// Editor label.
    Manifest,
    /// Apply button.
    Apply,
    /// Reset-to-lesson button.
    Reset,
    /// Play button.
    Play,
    /// Pause button.
    Pause,
    /// Step button.
    Step,
    /// Rewind button.
    Rewind,
    /// Simulated time label.
    Time,
    /// Pods heading.
    Pods,
    /// Events heading.
    Events,
    /// No pods.
    NoPods,
    /// No events.
    NoEvents,
    /// Button that switches to the other language.
    OtherLanguage,
    /// Crash banner text.
    Crashed,
    /// Crash banner button.
    CrashReset,
    /// Unknown route.
    NotFound,
    /// Nothing more will happen.
    Idle,
}

/// The string for `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    match (lang, key) {
        (Lang::Ko, Title) => "nodelab — 워커 노드 실습",
        (Lang::En, Title) => "nodelab — worker node lab",
        (Lang::Ko, Breadcrumb) => "2주차 › 1일차 › 세션 7",
        (Lang::En, Breadcrumb) => "Week 2 › Day 1 › Session 7",
        (Lang::Ko, LabHeading) => "kubelet과 kube-proxy 실습",
        (Lang::En, LabHeading) => "kubelet and kube-proxy lab",
        (Lang::Ko, LabIntro) => {
            "Pod 매니페스트를 적용하고 한 단계씩 진행하며 스케줄러, kubelet, 컨테이너 런타임이 무엇을 하는지 확인하세요."
        }
        (Lang::En, LabIntro) => {
            "Apply a Pod manifest and step through what the scheduler, the kubelet and the container runtime do with it."
        }
        (Lang::Ko, Manifest) => "매니페스트 (YAML)",
        (Lang::En, Manifest) => "Manifest (YAML)",
        (Lang::Ko, Apply) => "적용",
        (Lang::En, Apply) => "Apply",
        (Lang::Ko, Reset) => "원래대로",
        (Lang::En, Reset) => "Reset",
        (Lang::Ko, Play) => "재생",
        (Lang::En, Play) => "Play",
        (Lang::Ko, Pause) => "일시정지",
        (Lang::En, Pause) => "Pause",
        (Lang::Ko, Step) => "다음 이벤트",
        (Lang::En, Step) => "Step",
        (Lang::Ko, Rewind) => "처음으로",
        (Lang::En, Rewind) => "Rewind",
        (Lang::Ko, Time) => "시뮬레이션 시각",
        (Lang::En, Time) => "Simulated time",
        (Lang::Ko, Pods) => "kubectl get pods -o wide",
        (Lang::En, Pods) => "kubectl get pods -o wide",
        (Lang::Ko, Events) => "이벤트",
        (Lang::En, Events) => "Events",
        (Lang::Ko, NoPods) => "Pod가 없습니다.",
        (Lang::En, NoPods) => "No pods.",
        (Lang::Ko, NoEvents) => "아직 이벤트가 없습니다.",
        (Lang::En, NoEvents) => "No events yet.",
        (Lang::Ko, OtherLanguage) => "English",
        (Lang::En, OtherLanguage) => "한국어",
        (Lang::Ko, Crashed) => "문제가 발생해 실습이 멈췄습니다.",
        (Lang::En, Crashed) => "Something went wrong and the lab stopped.",
        (Lang::Ko, CrashReset) => "초기화하고 다시 불러오기",
        (Lang::En, CrashReset) => "Reset and reload",
        (Lang::Ko, NotFound) => "페이지를 찾을 수 없습니다.",
        (Lang::En, NotFound) => "Page not found.",
        (Lang::Ko, Idle) => "더 일어날 일이 없습니다.",
        (Lang::En, Idle) => "Nothing more will happen.",
    }
}
