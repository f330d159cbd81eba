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
    // Transport (src/transport.rs).
    /// Step back button.
    StepBack,
    /// Transport toolbar label.
    Transport,
    /// Speed select label.
    Speed,
    /// Scrubber label.
    Scrubber,
    /// Label before the step preview.
    NextUp,
    /// Preview when nothing will happen.
    NothingNext,
    /// Jump to the next restart.
    JumpRestart,
    /// Jump to the next probe.
    JumpProbe,
    /// Jump to the next packet.
    JumpPacket,
    /// Keyboard shortcut hint.
    Shortcuts,
    /// Marker strip label.
    TimelineMarkers,
    /// Marker legend label.
    MarkerLegend,
    /// Restart marker.
    MarkerRestart,
    /// Probe marker.
    MarkerProbe,
    /// Packet marker.
    MarkerPacket,
    /// Event marker.
    MarkerEvent,
    /// Lab action marker.
    MarkerAction,
    /// Failed marker note.
    MarkerFailed,
    /// Probe type in previews.
    ProbeLiveness,
    /// Probe type in previews.
    ProbeReadiness,
    /// Probe type in previews.
    ProbeStartup,
    /// Preview: scheduler.
    PvSchedule,
    /// Preview: pod sync.
    PvSyncPod,
    /// Preview: CRI call completes.
    PvOpDone,
    /// Preview: process timer.
    PvContainerWake,
    /// Preview: probe.
    PvProbe,
    /// Preview: PLEG.
    PvPleg,
    /// Preview: housekeeping.
    PvHousekeeping,
    /// Preview: container GC.
    PvContainerGc,
    /// Preview: image GC.
    PvImageGc,
    /// Preview: runtime status.
    PvRuntimeStatus,
    /// Preview: lab script step.
    PvScript,
    /// Preview: node lost.
    PvNodeLost,
    /// Preview: proxy sync.
    PvProxySync,
    /// Preview: controllers.
    PvControllers,
    /// Preview: recorded action.
    PvAction,
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
    // -- editor, share link, download, storage (src/editor.rs) --
    /// Editor tabs (one per object).
    EditorTabs,
    /// Add-object menu label.
    AddObject,
    /// Remove-object button (the tab's object follows).
    RemoveObject,
    /// Download button.
    DownloadYaml,
    /// Download tooltip.
    DownloadHint,
    /// Share button.
    ShareLink,
    /// Label of the share-link field.
    ShareUrl,
    /// Shown after copying.
    ShareCopied,
    /// Notice for a link that does not open.
    ShareBroken,
    /// Notice for unreadable saved data.
    StorageCorrupt,
    /// Notice when saving fails.
    StorageFull,
    /// Dismiss-notice button.
    Dismiss,
    /// Heading of the error list.
    EditorErrors,
    /// Gutter marker title prefix.
    ErrorLine,
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
    /// Dark-theme toggle button (`aria-pressed` tells whether the dark theme is on).
    DarkTheme,
    /// The lesson column's accessible name.
    Lesson,
    /// Crash banner text.
    Crashed,
    /// Crash banner button.
    CrashReset,
    /// Unknown route.
    NotFound,
    /// Nothing more will happen.
    Idle,
    /// Scenario picker label.
    Scenario,
    /// The nginx-pod scenario.
    ScenarioNginx,
    /// The liveness-http scenario.
    ScenarioLivenessHttp,
    /// The service-web scenario.
    ScenarioServiceWeb,
    /// Scenario label: Startup, readiness and liveness probes.
    ScenarioProbes,
    /// Scenario label: Memory limit and OOMKilled.
    ScenarioQosOom,
    /// Scenario label: Runtime handlers compared.
    ScenarioRuntimeCompare,
    /// Scenario label: Image pulls.
    ScenarioImagePull,
    /// Scenario label: IPVS mode.
    ScenarioProxyIpvs,
    /// Scenario label: Session affinity.
    ScenarioSessionAffinity,
    /// Scenario label: externalTrafficPolicy Local.
    ScenarioExternalLocal,
    /// Scenario label: Readiness and endpoints.
    ScenarioReadinessEndpoints,
    /// Pod name button: what clicking it does.
    SelectPod,
    /// Heading of the selected pod's views.
    SelectedPod,
    /// No pod to show.
    NoPodSelected,
    /// Status and conditions panel heading.
    Conditions,
    /// Pod phase label.
    Phase,
    /// QoS class label.
    QosClass,
    /// Pod IP label.
    PodIp,
    /// Node label.
    NodeLabel,
    /// Condition table: type column.
    ConditionType,
    /// Condition table: status column.
    ConditionStatus,
    /// Reason column.
    Reason,
    /// Message column.
    Message,
    /// Condition table: lastTransitionTime column.
    LastTransition,
    /// The pod has no conditions yet.
    NoConditions,
    /// Container statuses heading.
    ContainerStatuses,
    /// Container column or label.
    Container,
    /// Container state column.
    State,
    /// Ready column.
    Ready,
    /// Started column.
    Started,
    /// Restart count column.
    RestartCount,
    /// Last state column.
    LastState,
    /// No container statuses yet.
    NoContainerStatuses,
    /// Probe timeline heading.
    ProbeTimeline,
    /// A container without probes.
    NoProbes,
    /// A probe that has not run yet.
    NoAttempts,
    /// Summary of the attempts table.
    AllAttempts,
    /// Probe result column.
    Result,
    /// Consecutive results column.
    Run,
    /// Probe output column.
    Output,
    /// Worker verdict column.
    Verdict,
    /// Marker text where the verdict flips.
    VerdictFlipped,
    /// A successful probe.
    Success,
    /// A failed probe.
    Failure,
    /// An unknown probe result.
    Unknown,
    /// Restart / back-off timeline heading.
    RestartTimeline,
    /// An empty timeline.
    NothingYet,
    /// Lifecycle: an instance started.
    LcStarted,
    /// Lifecycle: the restart count of a started instance.
    LcRestartNo,
    /// Lifecycle: an instance exited.
    LcExited,
    /// Lifecycle: exit code label.
    LcExitCode,
    /// Lifecycle: the kubelet killed the instance.
    LcKilled,
    /// Lifecycle: a start was refused (CrashLoopBackOff).
    LcBackOff,
    /// Describe view heading.
    Describe,
    /// Logs heading.
    Logs,
    /// Checkbox: the previous instance's logs.
    PreviousLogs,
    /// No log lines.
    NoLogs,
    /// Resource usage heading.
    Usage,
    /// No running containers to measure.
    NoUsage,
    /// CFS throttled periods column.
    Throttled,
    /// Node journal heading.
    Journal,
    /// Node journal hint.
    JournalIntro,
    /// Lab actions heading.
    Actions,
    /// Lab actions hint.
    ActionsIntro,
    /// HTTP path input label.
    HttpPath,
    /// HTTP status input label.
    HttpStatus,
    /// Button: answer the path with the status.
    ActHttpStatus,
    /// File path input label.
    FilePath,
    /// Button: delete the file.
    ActDeleteFile,
    /// Button: create the file.
    ActCreateFile,
    /// Button: the process exits with code 1.
    ActExit,
    /// Button: the process allocates 100Mi more.
    ActGrowMemory,
    /// Button: the process stops answering.
    ActHang,
    /// Button: kubectl delete pod.
    ActDeletePod,
    /// Button: stop the node's kubelet.
    ActNodeNotReady,
    /// Prefix of an action's error.
    ActionFailed,
    /// Actions taken heading.
    ActionsTaken,
    /// No actions taken.
    NoActionsTaken,
    /// An action that rewind undid; it is taken again when time reaches it.
    ActionPending,
    /// An HTTP status outside 100–599.
    InvalidStatus,
    /// CRI panel heading.
    CriHeading,
    /// CRI panel intro.
    CriIntro,
    /// Checkbox: also show the periodic calls.
    ShowPeriodic,
    /// CRI lane: the runtime daemon.
    LaneRuntime,
    /// CRI lane: the RuntimeClass handler.
    LaneHandler,
    /// CRI lane: the containers.
    LaneContainers,
    /// No CRI calls yet.
    NoCriCalls,
    /// How many older calls are not drawn.
    CriOlderHidden,
    /// Mark of a failed CRI call.
    CriFailed,
    /// Request message heading.
    Request,
    /// Response message heading.
    Response,
    /// crictl panel heading.
    Crictl,
    /// No node to show.
    NoNode,
    /// Runtime switcher heading.
    RuntimeSwitcher,
    /// Runtime switcher intro.
    RuntimeSwitcherIntro,
    /// Container runtime picker label.
    ContainerRuntime,
    /// Handler picker label.
    Handler,
    /// Suffix of a combination the runtime cannot run.
    Unsupported,
    /// Lead-in of the list of unsupported combinations.
    UnsupportedCombinations,
    /// Source of the figures label.
    Source,
    /// What the handler lacks label.
    Lacks,
    /// Note that the profile texts are in English.
    EngineTextEnglish,
    /// Comparison heading.
    Compare,
    /// Comparison intro.
    CompareIntro,
    /// First set-up.
    SetupA,
    /// Second set-up.
    SetupB,
    /// Compare button.
    CompareButton,
    /// Comparison error lead-in.
    CompareFailed,
    /// A set-up the runtime cannot run.
    UnsupportedSetup,
    /// The container did not start.
    NotStarted,
    /// Comparison table: figure column.
    Figure,
    /// Comparison row: RunPodSandbox duration.
    SandboxStart,
    /// Comparison row: Scheduled to Started.
    ScheduledToStarted,
    /// Comparison row: memory per sandbox.
    SandboxMemory,
    /// Comparison row: runtime daemon memory.
    DaemonMemory,
    /// Sources heading.
    Sources,
    /// Tab list of the lab's views.
    LabViews,
    /// Tab: the kubelet and CRI views.
    TabNode,
    /// Tab: the kube-proxy views.
    TabProxy,
    /// kube-proxy panel heading.
    ProxyHeading,
    /// kube-proxy panel intro.
    ProxyIntro,
    /// Mode radio group legend.
    ProxyMode,
    /// iptables mode label.
    ModeIptables,
    /// IPVS mode label.
    ModeIpvs,
    /// nftables mode label.
    ModeNftables,
    /// userspace mode label.
    ModeUserspace,
    /// IPVS scheduler select label.
    IpvsScheduler,
    /// Hint: the scheduler only matters in IPVS mode.
    SchedulerIpvsOnly,
    /// rr.
    SchedRr,
    /// wrr.
    SchedWrr,
    /// lc.
    SchedLc,
    /// wlc.
    SchedWlc,
    /// lblc.
    SchedLblc,
    /// lblcr.
    SchedLblcr,
    /// sh.
    SchedSh,
    /// dh.
    SchedDh,
    /// sed.
    SchedSed,
    /// nq.
    SchedNq,
    /// mh.
    SchedMh,
    /// Node select label of the kube-proxy views.
    ProxyNode,
    /// Rules view heading.
    Rules,
    /// Rule count label.
    RuleCount,
    /// Last sync time label.
    LastSync,
    /// No sync yet.
    NoSync,
    /// The mode renders nothing.
    NoRulesText,
    /// Rules text view choice (nftables).
    RulesView,
    /// nftables transaction view.
    NftTransaction,
    /// Highlight explanation.
    HighlightNote,
    /// Count of highlighted lines.
    MatchedHere,
    /// The last trace matched rules on other nodes only.
    HitsElsewhere,
    /// Rules diff heading.
    RulesDiff,
    /// Rules diff intro.
    RulesDiffIntro,
    /// Older sync select.
    DiffFrom,
    /// Newer sync select.
    DiffTo,
    /// No differences.
    DiffNoChanges,
    /// Fewer than two syncs.
    DiffNeedTwo,
    /// Added lines count.
    DiffAdded,
    /// Removed lines count.
    DiffRemoved,
    /// A sync in the list.
    SyncNumber,
    /// Packet trace heading.
    Trace,
    /// Packet trace intro.
    TraceIntro,
    /// Source select label.
    TraceFrom,
    /// Destination input label.
    TraceTo,
    /// External source option.
    ExternalClient,
    /// External client IP input label.
    ExternalIp,
    /// Trace button.
    TraceButton,
    /// Trace error prefix.
    TraceFailed,
    /// No trace yet.
    NoTrace,
    /// Trace time label.
    TracedAt,
    /// Steps list label.
    TraceSteps,
    /// Backend label.
    Backend,
    /// Source seen by the backend.
    SeenSource,
    /// conntrack entry label.
    ConntrackEntry,
    /// Rules evaluated label.
    RulesEvaluated,
    /// Packet before/after label.
    PacketRewrite,
    /// Rules matched label.
    RulesMatched,
    /// Engine step text note.
    EngineTextAsIs,
    /// Packet path diagram label.
    PacketPath,
    /// Client box.
    Client,
    /// Previous step button.
    PrevStep,
    /// Next step button.
    NextStep,
    /// Play animation button.
    PlayPath,
    /// Step N of M prefix.
    StepLabel,
    /// Button that shows a step in the diagram.
    ShowStep,
    /// Traffic heading.
    Traffic,
    /// Traffic intro.
    TrafficIntro,
    /// Requests input.
    Requests,
    /// Pool input.
    Pool,
    /// Retries input.
    Retries,
    /// Send button.
    SendButton,
    /// Invalid traffic numbers.
    InvalidTraffic,
    /// Histogram heading.
    Distribution,
    /// No traffic yet.
    NoTraffic,
    /// New connections count.
    NewConnections,
    /// Reused connections count.
    ReusedConnections,
    /// Client options label.
    ClientOptions,
    /// Scale view heading (a details summary).
    Scale,
    /// Why iptables grows linearly.
    ScaleIntro,
    /// Measuring.
    ScaleMeasuring,
    /// Mode column.
    ScaleMode,
    /// Services column.
    ScaleServices,
    /// Endpoints column.
    ScaleEndpoints,
    /// Rules column.
    ScaleRules,
    /// First service column.
    ScaleFirst,
    /// Last service column.
    ScaleLast,
    /// Measurement time.
    ScaleTook,
    // Views (kubectl panel, events cause chain, node diagram).
    /// kubectl panel heading.
    KubectlHeading,
    /// kubectl resource switcher label.
    KubectlKinds,
    /// kubectl table without rows.
    NoResources,
    /// event row button title.
    ShowCause,
    /// cause chain label.
    CauseChain,
    /// cause step: an event.
    CauseEvent,
    /// cause step: a lab action.
    CauseAction,
    /// cause step: a probe result.
    CauseProbe,
    /// cause step: a container exit.
    CauseExit,
    /// cause step: the image's own behaviour.
    CauseImage,
    /// exit code label.
    ExitCode,
    /// event without a recorded cause.
    NoCause,
    /// node diagram heading.
    Diagram,
    /// diagram: API server.
    DiagramApiServer,
    /// diagram: scheduler.
    DiagramScheduler,
    /// diagram: controller manager.
    DiagramControllers,
    /// diagram: CRI.
    DiagramCri,
    /// diagram: node group label.
    DiagramNode,
    /// diagram: pod label.
    DiagramPod,
    /// diagram: pod sandbox.
    DiagramSandbox,
    /// diagram: container label.
    DiagramContainer,
    /// diagram: lit component.
    DiagramActive,
    /// Course: Lab card label.
    CourseLabCard,
    /// Course: Open-in-lab button.
    CourseOpenLab,
    /// Course: Notes placeholder.
    CourseNotesPlaceholder,
    /// Course: Notes saved hint.
    CourseNotesSaved,
    /// Course: Live diagram label.
    CourseDiagramLive,
    /// Course: Diagram open-lab button.
    CourseDiagramOpen,
    /// Course: Quiz heading.
    CourseQuiz,
    /// Course: Move item up.
    CourseMoveUp,
    /// Course: Move item down.
    CourseMoveDown,
    /// Course: Predict input label.
    CourseYourAnswer,
    /// Course: Quiz lab link.
    CourseShowInLab,
    /// Course: Engine answer label.
    CourseEngineAnswer,
    /// Course: Right answer.
    CourseRight,
    /// Course: Wrong answer.
    CourseWrong,
    /// Course: Saved right.
    CourseSavedRight,
    /// Course: Saved wrong.
    CourseSavedWrong,
    /// Course: Retry button.
    CourseRetry,
    /// Course: Check button.
    CourseCheck,
    /// Course: TOC label.
    CourseContents,
    /// Course: Progress bar label.
    CourseProgress,
    /// Course: Correct count label.
    CourseCorrect,
    /// Course: Answered count label.
    CourseAnswered,
    /// Course: Minutes unit.
    CourseMinutes,
    /// Course: Free lab link.
    CourseFreeLab,
    /// Course: Progress reset button.
    CourseReset,
    /// Course: Time budget label.
    CourseTimeBudget,
    /// Course: Objectives heading.
    CourseObjectives,
    /// Course: References heading.
    CourseReferences,
    /// Course: Next session heading.
    CourseNextSession,
    /// Course: Prev/next nav label.
    CoursePager,
}

/// The string for `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    match (lang, key) {
        (Lang::Ko, StepBack) => "한 단계 뒤로",
        (Lang::En, StepBack) => "Step back",
        (Lang::Ko, Transport) => "재생 컨트롤",
        (Lang::En, Transport) => "Transport",
        (Lang::Ko, Speed) => "속도",
        (Lang::En, Speed) => "Speed",
        (Lang::Ko, Scrubber) => "시뮬레이션 시간 탐색",
        (Lang::En, Scrubber) => "Simulated time scrubber",
        (Lang::Ko, NextUp) => "다음 단계:",
        (Lang::En, NextUp) => "Next step:",
        (Lang::Ko, NothingNext) => "10분 안에 일어날 일이 없습니다",
        (Lang::En, NothingNext) => "Nothing happens within ten minutes",
        (Lang::Ko, JumpRestart) => "다음 재시작으로",
        (Lang::En, JumpRestart) => "Next restart",
        (Lang::Ko, JumpProbe) => "다음 프로브로",
        (Lang::En, JumpProbe) => "Next probe",
        (Lang::Ko, JumpPacket) => "다음 패킷으로",
        (Lang::En, JumpPacket) => "Next packet",
        (Lang::Ko, Shortcuts) => "단축키: 스페이스 재생/일시정지, → 다음 단계, ← 이전 단계",
        (Lang::En, Shortcuts) => "Keys: Space play/pause, → step, ← step back",
        (Lang::Ko, TimelineMarkers) => "타임라인 표시: 재시작, 프로브, 패킷, 이벤트, 실습 조치",
        (Lang::En, TimelineMarkers) => {
            "Timeline markers: restarts, probes, packets, events, lab actions"
        }
        (Lang::Ko, MarkerLegend) => "표시 범례",
        (Lang::En, MarkerLegend) => "Marker legend",
        (Lang::Ko, MarkerRestart) => "재시작",
        (Lang::En, MarkerRestart) => "Restart",
        (Lang::Ko, MarkerProbe) => "프로브",
        (Lang::En, MarkerProbe) => "Probe",
        (Lang::Ko, MarkerPacket) => "패킷",
        (Lang::En, MarkerPacket) => "Packet",
        (Lang::Ko, MarkerEvent) => "이벤트",
        (Lang::En, MarkerEvent) => "Event",
        (Lang::Ko, MarkerAction) => "실습 조치",
        (Lang::En, MarkerAction) => "Lab action",
        (Lang::Ko, MarkerFailed) => "빨간색: 실패 또는 Warning",
        (Lang::En, MarkerFailed) => "Red: failed or Warning",
        (Lang::Ko, ProbeLiveness) => "liveness",
        (Lang::En, ProbeLiveness) => "liveness",
        (Lang::Ko, ProbeReadiness) => "readiness",
        (Lang::En, ProbeReadiness) => "readiness",
        (Lang::Ko, ProbeStartup) => "startup",
        (Lang::En, ProbeStartup) => "startup",
        (Lang::Ko, PvSchedule) => "스케줄러가 대기 중인 Pod를 노드에 배치합니다",
        (Lang::En, PvSchedule) => "The scheduler places pending pods on nodes",
        (Lang::Ko, PvSyncPod) => "{node}의 kubelet이 {pod}를 동기화합니다 (SyncPod)",
        (Lang::En, PvSyncPod) => "kubelet on {node} syncs {pod} (SyncPod)",
        (Lang::Ko, PvOpDone) => "{node}에서 {pod}의 CRI 호출이 끝납니다",
        (Lang::En, PvOpDone) => "A CRI call for {pod} on {node} completes",
        (Lang::Ko, PvContainerWake) => {
            "{pod}의 컨테이너 프로세스가 동작합니다 (타이머, 종료, OOM, 중지 기한)"
        }
        (Lang::En, PvContainerWake) => {
            "A container process of {pod} acts (timer, exit, OOM or stop deadline)"
        }
        (Lang::Ko, PvProbe) => "kubelet이 {pod}/{container}의 {kind} 프로브를 실행합니다",
        (Lang::En, PvProbe) => "kubelet runs the {kind} probe of {pod}/{container}",
        (Lang::Ko, PvPleg) => "{node}의 PLEG relist",
        (Lang::En, PvPleg) => "PLEG relist on {node}",
        (Lang::Ko, PvHousekeeping) => "{node}의 kubelet housekeeping과 축출 검사",
        (Lang::En, PvHousekeeping) => "kubelet housekeeping and eviction check on {node}",
        (Lang::Ko, PvContainerGc) => "{node}의 컨테이너 가비지 컬렉션",
        (Lang::En, PvContainerGc) => "Container garbage collection on {node}",
        (Lang::Ko, PvImageGc) => "{node}의 이미지 가비지 컬렉션",
        (Lang::En, PvImageGc) => "Image garbage collection on {node}",
        (Lang::Ko, PvRuntimeStatus) => {
            "{node}의 kubelet이 컨테이너 런타임 상태를 확인합니다 (Status)"
        }
        (Lang::En, PvRuntimeStatus) => "kubelet on {node} checks the container runtime (Status)",
        (Lang::Ko, PvScript) => "실습 스크립트의 다음 조치가 실행됩니다",
        (Lang::En, PvScript) => "The lab script's next action runs",
        (Lang::Ko, PvNodeLost) => "노드 수명 주기 컨트롤러가 {node}를 NotReady로 표시합니다",
        (Lang::En, PvNodeLost) => "The node lifecycle controller marks {node} NotReady",
        (Lang::Ko, PvProxySync) => "{node}의 kube-proxy가 규칙을 동기화합니다 (syncProxyRules)",
        (Lang::En, PvProxySync) => "kube-proxy on {node} syncs its rules (syncProxyRules)",
        (Lang::Ko, PvControllers) => "컨트롤러가 다시 확인합니다",
        (Lang::En, PvControllers) => "The controllers look again",
        (Lang::Ko, PvAction) => "기록된 실습 조치를 다시 실행합니다: {action}",
        (Lang::En, PvAction) => "The recorded lab action is taken again: {action}",
        (Lang::Ko, Title) => "nodelab — 워커 노드 실습",
        (Lang::En, Title) => "nodelab — worker node lab",
        (Lang::Ko, Breadcrumb) => "2주차 › 1일차 › 세션 7",
        (Lang::En, Breadcrumb) => "Week 2 › Day 1 › Session 7",
        (Lang::Ko, LabHeading) => "kubelet과 kube-proxy 실습",
        (Lang::En, LabHeading) => "kubelet and kube-proxy lab",
        (Lang::Ko, LabIntro) => {
            "Pod 매니페스트를 적용하고 한 단계씩 진행하며 스케줄러, kubelet, 컨테이너 런타임이 무엇을 하는지 확인하세요. 'Service와 kube-proxy' 탭에서는 kube-proxy가 쓴 규칙과 그 규칙을 지나는 패킷의 경로를 볼 수 있습니다."
        }
        (Lang::En, LabIntro) => {
            "Apply a Pod manifest and step through what the scheduler, the kubelet and the container runtime do with it. The “Services and kube-proxy” tab shows the rules kube-proxy writes and the path a packet takes through them."
        }
        (Lang::Ko, Manifest) => "매니페스트 (YAML)",
        (Lang::En, Manifest) => "Manifest (YAML)",
        (Lang::Ko, Apply) => "적용",
        (Lang::En, Apply) => "Apply",
        (Lang::Ko, Reset) => "원래대로",
        (Lang::En, Reset) => "Reset",
        (Lang::Ko, EditorTabs) => "문서별 편집 탭",
        (Lang::En, EditorTabs) => "One tab per object",
        (Lang::Ko, AddObject) => "객체 추가…",
        (Lang::En, AddObject) => "Add object…",
        (Lang::Ko, RemoveObject) => "이 객체 삭제:",
        (Lang::En, RemoveObject) => "Delete this object:",
        (Lang::Ko, DownloadYaml) => "YAML 내려받기",
        (Lang::En, DownloadYaml) => "Download YAML",
        (Lang::Ko, DownloadHint) => {
            "실제 클러스터에서 kubectl apply -f nodelab-lab.yaml 로 쓸 수 있는 파일입니다. kind: Lab 문서는 쿠버네티스 객체가 아니라서 빠집니다."
        }
        (Lang::En, DownloadHint) => {
            "A file for kubectl apply -f nodelab-lab.yaml on a real cluster. The kind: Lab document is left out: it is not a Kubernetes object."
        }
        (Lang::Ko, ShareLink) => "공유 링크 복사",
        (Lang::En, ShareLink) => "Copy share link",
        (Lang::Ko, ShareUrl) => "공유 링크 (이 링크를 열면 지금 상태가 그대로 재현됩니다)",
        (Lang::En, ShareUrl) => "Share link (opening it reproduces this exact state)",
        (Lang::Ko, ShareCopied) => "클립보드에 복사했습니다.",
        (Lang::En, ShareCopied) => "Copied to the clipboard.",
        (Lang::Ko, ShareBroken) => "공유 링크를 열 수 없어 기본 실습을 불러왔습니다:",
        (Lang::En, ShareBroken) => {
            "The share link could not be opened, so the default lab is shown:"
        }
        (Lang::Ko, StorageCorrupt) => {
            "저장된 데이터(편집 내용이나 진도)를 읽을 수 없어 따로 옮겨 두었습니다:"
        }
        (Lang::En, StorageCorrupt) => {
            "Saved data (edits or progress) could not be read and was moved aside:"
        }
        (Lang::Ko, StorageFull) => {
            "브라우저 저장소에 저장하지 못했습니다(용량 초과 또는 비활성). 편집 내용은 이 페이지를 닫으면 사라집니다."
        }
        (Lang::En, StorageFull) => {
            "Could not save to browser storage (full or disabled); edits last only until this page closes."
        }
        (Lang::Ko, Dismiss) => "닫기",
        (Lang::En, Dismiss) => "Dismiss",
        (Lang::Ko, EditorErrors) => "매니페스트 오류",
        (Lang::En, EditorErrors) => "Manifest errors",
        (Lang::Ko, ErrorLine) => "오류",
        (Lang::En, ErrorLine) => "Error",
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
        (Lang::Ko, DarkTheme) => "어두운 테마",
        (Lang::En, DarkTheme) => "Dark theme",
        (Lang::Ko, Lesson) => "수업",
        (Lang::En, Lesson) => "Lesson",
        (Lang::Ko, Crashed) => "문제가 발생해 실습이 멈췄습니다.",
        (Lang::En, Crashed) => "Something went wrong and the lab stopped.",
        (Lang::Ko, CrashReset) => "초기화하고 다시 불러오기",
        (Lang::En, CrashReset) => "Reset and reload",
        (Lang::Ko, NotFound) => "페이지를 찾을 수 없습니다.",
        (Lang::En, NotFound) => "Page not found.",
        (Lang::Ko, Idle) => "더 일어날 일이 없습니다.",
        (Lang::En, Idle) => "Nothing more will happen.",
        (Lang::Ko, Scenario) => "시나리오",
        (Lang::En, Scenario) => "Scenario",
        (Lang::Ko, ScenarioNginx) => "nginx Pod (nginx-pod)",
        (Lang::En, ScenarioNginx) => "nginx Pod (nginx-pod)",
        (Lang::Ko, ScenarioLivenessHttp) => "HTTP liveness probe (liveness-http)",
        (Lang::En, ScenarioLivenessHttp) => "HTTP liveness probe (liveness-http)",
        (Lang::Ko, ScenarioServiceWeb) => "Service와 nginx Pod 3개 (service-web)",
        (Lang::En, ScenarioServiceWeb) => "A Service and three nginx Pods (service-web)",
        (Lang::Ko, ScenarioProbes) => "시작·준비·활성 프로브 (probes-startup-readiness)",
        (Lang::En, ScenarioProbes) => {
            "Startup, readiness and liveness probes (probes-startup-readiness)"
        }
        (Lang::Ko, ScenarioQosOom) => "메모리 한도 초과와 OOMKilled (qos-oom)",
        (Lang::En, ScenarioQosOom) => "Memory limit and OOMKilled (qos-oom)",
        (Lang::Ko, ScenarioRuntimeCompare) => {
            "런타임 핸들러 비교: runc, Kata, gVisor (runtime-compare)"
        }
        (Lang::En, ScenarioRuntimeCompare) => {
            "Runtime handlers compared: runc, Kata, gVisor (runtime-compare)"
        }
        (Lang::Ko, ScenarioImagePull) => "이미지 풀과 ImagePullBackOff (image-pull)",
        (Lang::En, ScenarioImagePull) => "Image pulls and ImagePullBackOff (image-pull)",
        (Lang::Ko, ScenarioProxyIpvs) => "IPVS 모드의 Service (proxy-ipvs)",
        (Lang::En, ScenarioProxyIpvs) => "A Service in IPVS mode (proxy-ipvs)",
        (Lang::Ko, ScenarioSessionAffinity) => "세션 어피니티 ClientIP (session-affinity)",
        (Lang::En, ScenarioSessionAffinity) => "Session affinity ClientIP (session-affinity)",
        (Lang::Ko, ScenarioExternalLocal) => {
            "LoadBalancer와 externalTrafficPolicy: Local (external-traffic-local)"
        }
        (Lang::En, ScenarioExternalLocal) => {
            "LoadBalancer with externalTrafficPolicy: Local (external-traffic-local)"
        }
        (Lang::Ko, ScenarioReadinessEndpoints) => "준비 상태와 엔드포인트 (readiness-endpoints)",
        (Lang::En, ScenarioReadinessEndpoints) => "Readiness and endpoints (readiness-endpoints)",
        (Lang::Ko, SelectPod) => "이 Pod 선택",
        (Lang::En, SelectPod) => "Select this pod",
        (Lang::Ko, SelectedPod) => "선택한 Pod",
        (Lang::En, SelectedPod) => "Selected pod",
        (Lang::Ko, NoPodSelected) => "표시할 Pod가 없습니다. 표에서 Pod를 선택하세요.",
        (Lang::En, NoPodSelected) => "No pod to show. Select a pod in the table.",
        (Lang::Ko, Conditions) => "상태와 조건 (status)",
        (Lang::En, Conditions) => "Status and conditions",
        (Lang::Ko, Phase) => "단계 (phase)",
        (Lang::En, Phase) => "Phase",
        (Lang::Ko, QosClass) => "QoS 클래스 (qosClass)",
        (Lang::En, QosClass) => "QoS class",
        (Lang::Ko, PodIp) => "Pod IP (podIP)",
        (Lang::En, PodIp) => "Pod IP",
        (Lang::Ko, NodeLabel) => "노드",
        (Lang::En, NodeLabel) => "Node",
        (Lang::Ko, ConditionType) => "유형",
        (Lang::En, ConditionType) => "Type",
        (Lang::Ko, ConditionStatus) => "상태",
        (Lang::En, ConditionStatus) => "Status",
        (Lang::Ko, Reason) => "이유",
        (Lang::En, Reason) => "Reason",
        (Lang::Ko, Message) => "메시지",
        (Lang::En, Message) => "Message",
        (Lang::Ko, LastTransition) => "마지막 전환 시각",
        (Lang::En, LastTransition) => "Last transition",
        (Lang::Ko, NoConditions) => "아직 조건이 없습니다.",
        (Lang::En, NoConditions) => "No conditions yet.",
        (Lang::Ko, ContainerStatuses) => "컨테이너 상태",
        (Lang::En, ContainerStatuses) => "Container statuses",
        (Lang::Ko, Container) => "컨테이너",
        (Lang::En, Container) => "Container",
        (Lang::Ko, State) => "현재 상태 (state)",
        (Lang::En, State) => "State",
        (Lang::Ko, Ready) => "준비됨 (ready)",
        (Lang::En, Ready) => "Ready",
        (Lang::Ko, Started) => "시작됨 (started)",
        (Lang::En, Started) => "Started",
        (Lang::Ko, RestartCount) => "재시작 횟수",
        (Lang::En, RestartCount) => "Restarts",
        (Lang::Ko, LastState) => "이전 상태 (lastState)",
        (Lang::En, LastState) => "Last state",
        (Lang::Ko, NoContainerStatuses) => "아직 컨테이너 상태가 없습니다.",
        (Lang::En, NoContainerStatuses) => "No container statuses yet.",
        (Lang::Ko, ProbeTimeline) => "프로브 타임라인",
        (Lang::En, ProbeTimeline) => "Probe timeline",
        (Lang::Ko, NoProbes) => "프로브가 없습니다.",
        (Lang::En, NoProbes) => "No probes.",
        (Lang::Ko, NoAttempts) => "아직 실행되지 않았습니다.",
        (Lang::En, NoAttempts) => "Not run yet.",
        (Lang::Ko, AllAttempts) => "모든 시도 보기",
        (Lang::En, AllAttempts) => "Every attempt",
        (Lang::Ko, Result) => "결과",
        (Lang::En, Result) => "Result",
        (Lang::Ko, Run) => "연속 횟수 / 임계값",
        (Lang::En, Run) => "In a row / threshold",
        (Lang::Ko, Output) => "출력",
        (Lang::En, Output) => "Output",
        (Lang::Ko, Verdict) => "판정",
        (Lang::En, Verdict) => "Verdict",
        (Lang::Ko, VerdictFlipped) => "판정 바뀜",
        (Lang::En, VerdictFlipped) => "verdict flipped",
        (Lang::Ko, Success) => "성공",
        (Lang::En, Success) => "success",
        (Lang::Ko, Failure) => "실패",
        (Lang::En, Failure) => "failure",
        (Lang::Ko, Unknown) => "알 수 없음",
        (Lang::En, Unknown) => "unknown",
        (Lang::Ko, RestartTimeline) => "재시작 / 백오프 타임라인",
        (Lang::En, RestartTimeline) => "Restart / back-off timeline",
        (Lang::Ko, NothingYet) => "아직 없습니다.",
        (Lang::En, NothingYet) => "Nothing yet.",
        (Lang::Ko, LcStarted) => "시작됨",
        (Lang::En, LcStarted) => "Started",
        (Lang::Ko, LcRestartNo) => "재시작 횟수",
        (Lang::En, LcRestartNo) => "restart count",
        (Lang::Ko, LcExited) => "종료됨",
        (Lang::En, LcExited) => "Exited",
        (Lang::Ko, LcExitCode) => "종료 코드",
        (Lang::En, LcExitCode) => "exit code",
        (Lang::Ko, LcKilled) => "kubelet이 종료시킴",
        (Lang::En, LcKilled) => "Killed",
        (Lang::Ko, LcBackOff) => "재시작 대기 (back-off)",
        (Lang::En, LcBackOff) => "Back-off",
        (Lang::Ko, Describe) => "kubectl describe pod",
        (Lang::En, Describe) => "kubectl describe pod",
        (Lang::Ko, Logs) => "kubectl logs",
        (Lang::En, Logs) => "kubectl logs",
        (Lang::Ko, PreviousLogs) => "이전 인스턴스 (--previous)",
        (Lang::En, PreviousLogs) => "Previous instance (--previous)",
        (Lang::Ko, NoLogs) => "로그가 없습니다.",
        (Lang::En, NoLogs) => "No log lines.",
        (Lang::Ko, Usage) => "자원 사용량 (kubectl top)",
        (Lang::En, Usage) => "Resource use (kubectl top)",
        (Lang::Ko, NoUsage) => "실행 중인 컨테이너가 없습니다.",
        (Lang::En, NoUsage) => "No running containers.",
        (Lang::Ko, Throttled) => "CFS 스로틀링 (주기)",
        (Lang::En, Throttled) => "CFS throttled (periods)",
        (Lang::Ko, Journal) => "노드 저널 (journalctl)",
        (Lang::En, Journal) => "Node journal (journalctl)",
        (Lang::Ko, JournalIntro) => {
            "볼륨 마운트·해제, CNI ADD/DEL, 샌드박스와 컨테이너 단계를 노드의 로그로 보여 줍니다."
        }
        (Lang::En, JournalIntro) => {
            "Volume set-up and tear-down, CNI ADD/DEL, sandbox and container steps, as the node logs them."
        }
        (Lang::Ko, Actions) => "실습 동작",
        (Lang::En, Actions) => "Lab actions",
        (Lang::Ko, ActionsIntro) => {
            "선택한 Pod에 장애를 일으켜 보세요. 동작은 현재 시뮬레이션 시각에 적용됩니다."
        }
        (Lang::En, ActionsIntro) => {
            "Break the selected pod. Actions happen at the current simulated time."
        }
        (Lang::Ko, HttpPath) => "HTTP 경로",
        (Lang::En, HttpPath) => "HTTP path",
        (Lang::Ko, HttpStatus) => "응답 코드",
        (Lang::En, HttpStatus) => "Status code",
        (Lang::Ko, ActHttpStatus) => "이 경로에 이 코드로 응답",
        (Lang::En, ActHttpStatus) => "Answer this path with this code",
        (Lang::Ko, FilePath) => "파일 경로",
        (Lang::En, FilePath) => "File path",
        (Lang::Ko, ActDeleteFile) => "파일 삭제",
        (Lang::En, ActDeleteFile) => "Delete the file",
        (Lang::Ko, ActCreateFile) => "파일 만들기",
        (Lang::En, ActCreateFile) => "Create the file",
        (Lang::Ko, ActExit) => "프로세스를 코드 1로 종료",
        (Lang::En, ActExit) => "Make the process exit with code 1",
        (Lang::Ko, ActGrowMemory) => "메모리 100Mi 더 사용",
        (Lang::En, ActGrowMemory) => "Allocate 100Mi more memory",
        (Lang::Ko, ActHang) => "응답 멈추기",
        (Lang::En, ActHang) => "Stop answering",
        (Lang::Ko, ActDeletePod) => "Pod 삭제",
        (Lang::En, ActDeletePod) => "Delete the pod",
        (Lang::Ko, ActNodeNotReady) => "노드를 NotReady로 (kubelet 중지)",
        (Lang::En, ActNodeNotReady) => "Make the node NotReady (stop its kubelet)",
        (Lang::Ko, ActionFailed) => "동작 실패:",
        (Lang::En, ActionFailed) => "Action failed:",
        (Lang::Ko, ActionsTaken) => "실행한 동작",
        (Lang::En, ActionsTaken) => "Actions taken",
        (Lang::Ko, NoActionsTaken) => "아직 실행한 동작이 없습니다.",
        (Lang::En, NoActionsTaken) => "No actions taken yet.",
        (Lang::Ko, ActionPending) => "되감기 후 대기 중: 그 시각이 되면 다시 실행됩니다",
        (Lang::En, ActionPending) => "Rewound: taken again when time reaches it",
        (Lang::Ko, InvalidStatus) => "응답 코드는 100에서 599 사이의 숫자여야 합니다.",
        (Lang::En, InvalidStatus) => "The status code must be a number from 100 to 599.",
        (Lang::Ko, CriHeading) => "CRI 호출",
        (Lang::En, CriHeading) => "CRI calls",
        (Lang::Ko, CriIntro) => {
            "kubelet이 컨테이너 런타임에 보낸 CRI 호출을 시간 순서대로 보여 줍니다. 화살표는 호출이 닿는 곳(런타임, 핸들러, 컨테이너)까지 이어집니다. 호출을 누르면 요청과 응답 JSON이 펼쳐집니다."
        }
        (Lang::En, CriIntro) => {
            "The CRI calls the kubelet made to its container runtime, oldest first. Each arrow reaches what the call acts on (the runtime, the handler, the containers). Select a call to see its request and response JSON."
        }
        (Lang::Ko, ShowPeriodic) => {
            "주기적 호출도 보기 (ListPodSandbox, ListContainers, Status, Version, ImageFsInfo, ListImages)"
        }
        (Lang::En, ShowPeriodic) => {
            "Show periodic calls (ListPodSandbox, ListContainers, Status, Version, ImageFsInfo, ListImages)"
        }
        (Lang::Ko, LaneRuntime) => "런타임",
        (Lang::En, LaneRuntime) => "Runtime",
        (Lang::Ko, LaneHandler) => "핸들러",
        (Lang::En, LaneHandler) => "Handler",
        (Lang::Ko, LaneContainers) => "컨테이너",
        (Lang::En, LaneContainers) => "Containers",
        (Lang::Ko, NoCriCalls) => "아직 CRI 호출이 없습니다.",
        (Lang::En, NoCriCalls) => "No CRI calls yet.",
        (Lang::Ko, CriOlderHidden) => "표시하지 않은 이전 호출 수:",
        (Lang::En, CriOlderHidden) => "Older calls not shown:",
        (Lang::Ko, CriFailed) => "실패",
        (Lang::En, CriFailed) => "failed",
        (Lang::Ko, Request) => "요청",
        (Lang::En, Request) => "Request",
        (Lang::Ko, Response) => "응답",
        (Lang::En, Response) => "Response",
        (Lang::Ko, Crictl) => "노드의 crictl",
        (Lang::En, Crictl) => "crictl on the node",
        (Lang::Ko, NoNode) => "노드가 없습니다.",
        (Lang::En, NoNode) => "No node.",
        (Lang::Ko, RuntimeSwitcher) => "컨테이너 런타임과 핸들러",
        (Lang::En, RuntimeSwitcher) => "Container runtime and handler",
        (Lang::Ko, RuntimeSwitcherIntro) => {
            "바꾸면 편집기의 현재 YAML로 t = 0부터 다시 시작합니다."
        }
        (Lang::En, RuntimeSwitcherIntro) => {
            "Changing either restarts the lab from t = 0 with the editor's current YAML."
        }
        (Lang::Ko, ContainerRuntime) => "컨테이너 런타임",
        (Lang::En, ContainerRuntime) => "Container runtime",
        (Lang::Ko, Handler) => "핸들러 (RuntimeClass)",
        (Lang::En, Handler) => "Handler (RuntimeClass)",
        (Lang::Ko, Unsupported) => "미지원",
        (Lang::En, Unsupported) => "not supported",
        (Lang::Ko, UnsupportedCombinations) => "지원되지 않는 조합:",
        (Lang::En, UnsupportedCombinations) => "Combinations that are not supported:",
        (Lang::Ko, Source) => "수치 출처",
        (Lang::En, Source) => "Source of the figures",
        (Lang::Ko, Lacks) => "지원하지 않는 것",
        (Lang::En, Lacks) => "What it lacks",
        (Lang::Ko, EngineTextEnglish) => "설명과 출처는 원문(영어)으로 표시합니다.",
        (Lang::En, EngineTextEnglish) => "Descriptions and sources are shown as written.",
        (Lang::Ko, Compare) => "두 설정 나란히 비교",
        (Lang::En, Compare) => "Side-by-side comparison",
        (Lang::Ko, CompareIntro) => {
            "편집기의 현재 YAML을 두 설정에서 각각 120초 동안 실행하고 첫 번째 Pod의 수치를 비교합니다."
        }
        (Lang::En, CompareIntro) => {
            "Runs the editor's current YAML for 120 s on each set-up and compares the first pod's figures."
        }
        (Lang::Ko, SetupA) => "설정 A",
        (Lang::En, SetupA) => "Set-up A",
        (Lang::Ko, SetupB) => "설정 B",
        (Lang::En, SetupB) => "Set-up B",
        (Lang::Ko, CompareButton) => "비교",
        (Lang::En, CompareButton) => "Compare",
        (Lang::Ko, CompareFailed) => "비교 실패:",
        (Lang::En, CompareFailed) => "Comparison failed:",
        (Lang::Ko, UnsupportedSetup) => "지원되지 않는 조합입니다:",
        (Lang::En, UnsupportedSetup) => "Not a supported combination:",
        (Lang::Ko, NotStarted) => "시작하지 않음",
        (Lang::En, NotStarted) => "did not start",
        (Lang::Ko, Figure) => "항목",
        (Lang::En, Figure) => "Figure",
        (Lang::Ko, SandboxStart) => "샌드박스 시작 (RunPodSandbox, ms)",
        (Lang::En, SandboxStart) => "Sandbox start (RunPodSandbox, ms)",
        (Lang::Ko, ScheduledToStarted) => "Scheduled부터 Started까지 (ms, 이미지 받기 포함)",
        (Lang::En, ScheduledToStarted) => "Scheduled to Started (ms, image pull included)",
        (Lang::Ko, SandboxMemory) => "샌드박스당 메모리 (MiB)",
        (Lang::En, SandboxMemory) => "Memory per sandbox (MiB)",
        (Lang::Ko, DaemonMemory) => "런타임 데몬 메모리 (MiB)",
        (Lang::En, DaemonMemory) => "Runtime daemon memory (MiB)",
        (Lang::Ko, Sources) => "출처",
        (Lang::En, Sources) => "Sources",
        (Lang::Ko, LabViews) => "실습 화면",
        (Lang::En, LabViews) => "Lab views",
        (Lang::Ko, TabNode) => "노드와 Pod (kubelet, CRI)",
        (Lang::En, TabNode) => "Node and pods (kubelet, CRI)",
        (Lang::Ko, TabProxy) => "Service와 kube-proxy",
        (Lang::En, TabProxy) => "Services and kube-proxy",
        (Lang::Ko, ProxyHeading) => "kube-proxy 설정",
        (Lang::En, ProxyHeading) => "kube-proxy settings",
        (Lang::Ko, ProxyIntro) => {
            "kube-proxy는 노드마다 Service와 EndpointSlice를 지켜보다가 선택한 모드의 규칙을 노드 커널에 씁니다. 모드나 스케줄러를 바꾸면 편집기의 현재 YAML로 t = 0부터 다시 시작합니다."
        }
        (Lang::En, ProxyIntro) => {
            "kube-proxy runs on every node: it watches Services and EndpointSlices and writes its mode's rules into the node's kernel. Changing the mode or the scheduler restarts the lab from t = 0 with the editor's current YAML."
        }
        (Lang::Ko, ProxyMode) => "프록시 모드 (--proxy-mode)",
        (Lang::En, ProxyMode) => "Proxy mode (--proxy-mode)",
        (Lang::Ko, ModeIptables) => "iptables (리눅스 기본값)",
        (Lang::En, ModeIptables) => "iptables (the Linux default)",
        (Lang::Ko, ModeIpvs) => "IPVS (v1.35에서 사용 중단(deprecated))",
        (Lang::En, ModeIpvs) => "IPVS (deprecated in v1.35)",
        (Lang::Ko, ModeNftables) => "nftables (v1.33에서 GA)",
        (Lang::En, ModeNftables) => "nftables (GA in v1.33)",
        (Lang::Ko, ModeUserspace) => "userspace (v1.26에서 제거됨, 역사 속 모드)",
        (Lang::En, ModeUserspace) => "userspace (removed in v1.26, history)",
        (Lang::Ko, IpvsScheduler) => "IPVS 스케줄러 (--ipvs-scheduler)",
        (Lang::En, IpvsScheduler) => "IPVS scheduler (--ipvs-scheduler)",
        (Lang::Ko, SchedulerIpvsOnly) => "IPVS 모드에서만 쓰입니다.",
        (Lang::En, SchedulerIpvsOnly) => "Only used in IPVS mode.",
        (Lang::Ko, SchedRr) => "라운드 로빈",
        (Lang::En, SchedRr) => "round robin",
        (Lang::Ko, SchedWrr) => "가중 라운드 로빈",
        (Lang::En, SchedWrr) => "weighted round robin",
        (Lang::Ko, SchedLc) => "최소 연결",
        (Lang::En, SchedLc) => "least connection",
        (Lang::Ko, SchedWlc) => "가중 최소 연결",
        (Lang::En, SchedWlc) => "weighted least connection",
        (Lang::Ko, SchedLblc) => "지역성 기반 최소 연결",
        (Lang::En, SchedLblc) => "locality-based least connection",
        (Lang::Ko, SchedLblcr) => "복제 포함 지역성 기반 최소 연결",
        (Lang::En, SchedLblcr) => "locality-based least connection with replication",
        (Lang::Ko, SchedSh) => "출발지 해시",
        (Lang::En, SchedSh) => "source hashing",
        (Lang::Ko, SchedDh) => "목적지 해시",
        (Lang::En, SchedDh) => "destination hashing",
        (Lang::Ko, SchedSed) => "최단 예상 지연",
        (Lang::En, SchedSed) => "shortest expected delay",
        (Lang::Ko, SchedNq) => "대기 없음",
        (Lang::En, SchedNq) => "never queue",
        (Lang::Ko, SchedMh) => "Maglev 해시",
        (Lang::En, SchedMh) => "Maglev hashing",
        (Lang::Ko, ProxyNode) => "규칙을 볼 노드",
        (Lang::En, ProxyNode) => "Node whose rules are shown",
        (Lang::Ko, Rules) => "kube-proxy가 쓴 규칙",
        (Lang::En, Rules) => "Rules kube-proxy programmed",
        (Lang::Ko, RuleCount) => "규칙 수",
        (Lang::En, RuleCount) => "Rules programmed",
        (Lang::Ko, LastSync) => "마지막 동기화",
        (Lang::En, LastSync) => "Last sync",
        (Lang::Ko, NoSync) => "kube-proxy가 아직 규칙을 쓰지 않았습니다.",
        (Lang::En, NoSync) => "kube-proxy has not written any rules yet.",
        (Lang::Ko, NoRulesText) => "이 모드는 아직 규칙을 출력하지 않습니다.",
        (Lang::En, NoRulesText) => "This mode prints no rules yet.",
        (Lang::Ko, RulesView) => "보기",
        (Lang::En, RulesView) => "View",
        (Lang::Ko, NftTransaction) => "nft -f 트랜잭션",
        (Lang::En, NftTransaction) => "the nft -f transaction",
        (Lang::Ko, HighlightNote) => "강조된 줄은 마지막으로 추적한 패킷이 일치한 규칙입니다.",
        (Lang::En, HighlightNote) => {
            "Highlighted lines are the rules the last traced packet matched."
        }
        (Lang::Ko, MatchedHere) => "이 노드에서 일치한 규칙 줄",
        (Lang::En, MatchedHere) => "Matched rule lines on this node",
        (Lang::Ko, HitsElsewhere) => {
            "마지막으로 추적한 패킷은 다른 노드의 규칙과 일치했습니다. 위에서 노드를 고르세요:"
        }
        (Lang::En, HitsElsewhere) => {
            "The last traced packet matched rules on another node; pick it above:"
        }
        (Lang::Ko, RulesDiff) => "동기화 사이의 규칙 변화",
        (Lang::En, RulesDiff) => "What changed between two syncs",
        (Lang::Ko, RulesDiffIntro) => {
            "kube-proxy는 Service나 EndpointSlice가 바뀔 때마다 (최소 1초 간격으로) 규칙을 다시 씁니다. 예를 들어 readiness 프로브가 실패하면 그 엔드포인트의 규칙이 사라집니다."
        }
        (Lang::En, RulesDiffIntro) => {
            "kube-proxy rewrites its rules whenever a Service or EndpointSlice changes (at most once a second). When a readiness probe fails, for example, that endpoint's rules disappear."
        }
        (Lang::Ko, DiffFrom) => "이전 동기화",
        (Lang::En, DiffFrom) => "Older sync",
        (Lang::Ko, DiffTo) => "이후 동기화",
        (Lang::En, DiffTo) => "Newer sync",
        (Lang::Ko, DiffNoChanges) => "두 동기화의 규칙이 같습니다.",
        (Lang::En, DiffNoChanges) => "Both syncs programmed the same rules.",
        (Lang::Ko, DiffNeedTwo) => "비교하려면 동기화가 두 번 이상 있어야 합니다.",
        (Lang::En, DiffNeedTwo) => "Comparing needs at least two syncs.",
        (Lang::Ko, DiffAdded) => "추가된 줄",
        (Lang::En, DiffAdded) => "lines added",
        (Lang::Ko, DiffRemoved) => "삭제된 줄",
        (Lang::En, DiffRemoved) => "lines removed",
        (Lang::Ko, SyncNumber) => "동기화",
        (Lang::En, SyncNumber) => "sync",
        (Lang::Ko, Trace) => "패킷 추적",
        (Lang::En, Trace) => "Packet trace",
        (Lang::Ko, TraceIntro) => {
            "출발지에서 목적지로 새 연결 하나를 열고 DNS, 넷필터 훅마다 일치한 규칙, NAT, conntrack, 백엔드까지 따라갑니다. 이 요청은 실제로 보내지며 실행한 동작에 기록됩니다."
        }
        (Lang::En, TraceIntro) => {
            "Opens one new connection from the source to the destination and follows it through DNS, the rules each netfilter hook matched, NAT, conntrack and the backend. The request is really sent and recorded as a lab action."
        }
        (Lang::Ko, TraceFrom) => "출발지",
        (Lang::En, TraceFrom) => "From",
        (Lang::Ko, TraceTo) => "목적지 (Service 이름 또는 IP[:포트])",
        (Lang::En, TraceTo) => "To (Service name or IP[:port])",
        (Lang::Ko, ExternalClient) => "클러스터 밖 클라이언트 (external:IP)",
        (Lang::En, ExternalClient) => "A client outside the cluster (external:IP)",
        (Lang::Ko, ExternalIp) => "외부 클라이언트 IP",
        (Lang::En, ExternalIp) => "Outside client's IP",
        (Lang::Ko, TraceButton) => "추적",
        (Lang::En, TraceButton) => "Trace",
        (Lang::Ko, TraceFailed) => "추적 실패:",
        (Lang::En, TraceFailed) => "Trace failed:",
        (Lang::Ko, NoTrace) => "아직 추적한 패킷이 없습니다.",
        (Lang::En, NoTrace) => "No packet traced yet.",
        (Lang::Ko, TracedAt) => "추적 시각",
        (Lang::En, TracedAt) => "Traced at",
        (Lang::Ko, TraceSteps) => "패킷이 거친 단계",
        (Lang::En, TraceSteps) => "The packet's steps",
        (Lang::Ko, Backend) => "백엔드",
        (Lang::En, Backend) => "Backend",
        (Lang::Ko, SeenSource) => "백엔드가 본 출발지 주소",
        (Lang::En, SeenSource) => "Source address the backend saw",
        (Lang::Ko, ConntrackEntry) => "conntrack 항목",
        (Lang::En, ConntrackEntry) => "conntrack entry",
        (Lang::Ko, RulesEvaluated) => "평가한 규칙 수",
        (Lang::En, RulesEvaluated) => "Rules evaluated",
        (Lang::Ko, PacketRewrite) => "패킷 변환 (전 ⇒ 후)",
        (Lang::En, PacketRewrite) => "Packet (before ⇒ after)",
        (Lang::Ko, RulesMatched) => "일치한 규칙",
        (Lang::En, RulesMatched) => "Rules matched",
        (Lang::Ko, EngineTextAsIs) => "단계 설명은 엔진이 출력한 원문(영어) 그대로입니다.",
        (Lang::En, EngineTextAsIs) => "Step descriptions are the engine's own text.",
        (Lang::Ko, PacketPath) => "패킷 경로",
        (Lang::En, PacketPath) => "Packet path",
        (Lang::Ko, Client) => "클라이언트",
        (Lang::En, Client) => "Client",
        (Lang::Ko, PrevStep) => "이전 단계",
        (Lang::En, PrevStep) => "Previous step",
        (Lang::Ko, NextStep) => "다음 단계",
        (Lang::En, NextStep) => "Next step",
        (Lang::Ko, PlayPath) => "경로 재생",
        (Lang::En, PlayPath) => "Play the path",
        (Lang::Ko, StepLabel) => "단계",
        (Lang::En, StepLabel) => "Step",
        (Lang::Ko, ShowStep) => "그림에서 이 단계 보기",
        (Lang::En, ShowStep) => "Show this step in the diagram",
        (Lang::Ko, Traffic) => "트래픽 보내기",
        (Lang::En, Traffic) => "Send traffic",
        (Lang::Ko, TrafficIntro) => {
            "위의 출발지에서 목적지로 요청을 여러 번 보냅니다. 연결 풀과 재시도는 kube-proxy가 아니라 클라이언트(HTTP 라이브러리나 서비스 메시 사이드카)의 기능입니다. kube-proxy의 규칙은 새 연결에서만 백엔드를 고르고, 이미 열린 연결은 conntrack이 같은 백엔드로 보냅니다."
        }
        (Lang::En, TrafficIntro) => {
            "Sends many requests from the source above to the destination. The connection pool and retries are the client's features (an HTTP library or a service-mesh sidecar), not kube-proxy's: kube-proxy's rules choose a backend only for a new connection, and conntrack keeps an open connection on its backend."
        }
        (Lang::Ko, Requests) => "요청 수",
        (Lang::En, Requests) => "Requests",
        (Lang::Ko, Pool) => "연결 풀 크기 (클라이언트, 0 = 요청마다 새 연결)",
        (Lang::En, Pool) => "Connection pool (client; 0 = a new connection per request)",
        (Lang::Ko, Retries) => "재시도 횟수 (클라이언트)",
        (Lang::En, Retries) => "Retries (client)",
        (Lang::Ko, SendButton) => "보내기",
        (Lang::En, SendButton) => "Send",
        (Lang::Ko, InvalidTraffic) => {
            "요청 수는 1에서 10000 사이, 연결 풀과 재시도는 0에서 1000 사이의 숫자여야 합니다."
        }
        (Lang::En, InvalidTraffic) => {
            "Requests must be a number from 1 to 10000; pool and retries from 0 to 1000."
        }
        (Lang::Ko, Distribution) => "백엔드별 요청 분포",
        (Lang::En, Distribution) => "Requests per backend",
        (Lang::Ko, NoTraffic) => "아직 보낸 트래픽이 없습니다.",
        (Lang::En, NoTraffic) => "No traffic sent yet.",
        (Lang::Ko, NewConnections) => "새 연결 (kube-proxy 규칙이 백엔드를 고름)",
        (Lang::En, NewConnections) => "New connections (kube-proxy's rules chose the backend)",
        (Lang::Ko, ReusedConnections) => "재사용한 연결 (conntrack이 같은 백엔드로 보냄)",
        (Lang::En, ReusedConnections) => "Reused connections (conntrack kept the backend)",
        (Lang::Ko, ClientOptions) => "클라이언트 옵션 (kube-proxy 아님)",
        (Lang::En, ClientOptions) => "Client options (not kube-proxy's)",
        (Lang::Ko, Scale) => "규모: Service가 많아지면",
        (Lang::En, Scale) => "Scale: as Services grow",
        (Lang::Ko, ScaleIntro) => {
            "iptables 모드에서는 새 연결의 첫 패킷이 KUBE-SERVICES 체인의 규칙을 Service마다 하나씩 위에서부터 차례로 비교하므로, 평가하는 규칙 수가 Service 수에 비례해 늘어납니다(userspace 모드의 포털 체인도 같습니다). IPVS와 nftables는 해시 테이블(verdict map)에서 한 번에 찾습니다."
        }
        (Lang::En, ScaleIntro) => {
            "In iptables mode a new connection's first packet is checked against KUBE-SERVICES one rule per Service, top to bottom, so the rules evaluated grow linearly with the number of Services (so do userspace mode's portal chains); IPVS and nftables find the Service with one hash lookup (a verdict map)."
        }
        (Lang::Ko, ScaleMeasuring) => "측정 중…",
        (Lang::En, ScaleMeasuring) => "Measuring…",
        (Lang::Ko, ScaleMode) => "모드",
        (Lang::En, ScaleMode) => "Mode",
        (Lang::Ko, ScaleServices) => "Service 수",
        (Lang::En, ScaleServices) => "Services",
        (Lang::Ko, ScaleEndpoints) => "Service당 엔드포인트",
        (Lang::En, ScaleEndpoints) => "Endpoints per Service",
        (Lang::Ko, ScaleRules) => "프로그래밍된 규칙",
        (Lang::En, ScaleRules) => "Rules programmed",
        (Lang::Ko, ScaleFirst) => "첫 Service로 갈 때 평가한 규칙",
        (Lang::En, ScaleFirst) => "Rules evaluated, first Service",
        (Lang::Ko, ScaleLast) => "마지막 Service로 갈 때 평가한 규칙",
        (Lang::En, ScaleLast) => "Rules evaluated, last Service",
        (Lang::Ko, ScaleTook) => "측정에 걸린 시간 (ms)",
        (Lang::En, ScaleTook) => "Measuring took (ms)",
        // Views (kubectl panel, events cause chain, node diagram).
        (Lang::Ko, KubectlHeading) => "kubectl get",
        (Lang::En, KubectlHeading) => "kubectl get",
        (Lang::Ko, KubectlKinds) => "리소스 종류",
        (Lang::En, KubectlKinds) => "Resource kind",
        (Lang::Ko, NoResources) => "default 네임스페이스에 리소스가 없습니다.",
        (Lang::En, NoResources) => "No resources found in default namespace.",
        (Lang::Ko, ShowCause) => "이 이벤트가 일어난 이유 보기",
        (Lang::En, ShowCause) => "Show why this event happened",
        (Lang::Ko, CauseChain) => "원인 사슬",
        (Lang::En, CauseChain) => "Cause chain",
        (Lang::Ko, CauseEvent) => "이벤트",
        (Lang::En, CauseEvent) => "Event",
        (Lang::Ko, CauseAction) => "실습 동작",
        (Lang::En, CauseAction) => "Lab action",
        (Lang::Ko, CauseProbe) => "프로브 결과",
        (Lang::En, CauseProbe) => "Probe result",
        (Lang::Ko, CauseExit) => "컨테이너 종료",
        (Lang::En, CauseExit) => "Container exited",
        (Lang::Ko, CauseImage) => "이미지 자체의 동작 (실습 동작 없음)",
        (Lang::En, CauseImage) => "The image's own behaviour (no lab action)",
        (Lang::Ko, ExitCode) => "종료 코드",
        (Lang::En, ExitCode) => "exit code",
        (Lang::Ko, NoCause) => "기록된 원인이 없습니다. 여기가 시작점입니다.",
        (Lang::En, NoCause) => "No recorded cause: this is where it starts.",
        (Lang::Ko, Diagram) => "노드 구성도",
        (Lang::En, Diagram) => "Node diagram",
        (Lang::Ko, DiagramApiServer) => "API 서버",
        (Lang::En, DiagramApiServer) => "API server",
        (Lang::Ko, DiagramScheduler) => "스케줄러",
        (Lang::En, DiagramScheduler) => "Scheduler",
        (Lang::Ko, DiagramControllers) => "컨트롤러 매니저",
        (Lang::En, DiagramControllers) => "Controller manager",
        (Lang::Ko, DiagramCri) => "CRI (gRPC)",
        (Lang::En, DiagramCri) => "CRI (gRPC)",
        (Lang::Ko, DiagramNode) => "노드",
        (Lang::En, DiagramNode) => "Node",
        (Lang::Ko, DiagramPod) => "파드",
        (Lang::En, DiagramPod) => "Pod",
        (Lang::Ko, DiagramSandbox) => "샌드박스",
        (Lang::En, DiagramSandbox) => "sandbox",
        (Lang::Ko, DiagramContainer) => "컨테이너",
        (Lang::En, DiagramContainer) => "Container",
        (Lang::Ko, DiagramActive) => "이번 단계에서 동작함",
        (Lang::En, DiagramActive) => "active in this step",
        (Lang::Ko, CourseLabCard) => "실습",
        (Lang::En, CourseLabCard) => "Lab",
        (Lang::Ko, CourseOpenLab) => "실습에서 열기",
        (Lang::En, CourseOpenLab) => "Open in lab",
        (Lang::Ko, CourseNotesPlaceholder) => "생각을 적어 보세요. 이 브라우저에만 저장됩니다.",
        (Lang::En, CourseNotesPlaceholder) => {
            "Write your thoughts. They are saved in this browser only."
        }
        (Lang::Ko, CourseNotesSaved) => "입력하는 대로 이 브라우저에 저장됩니다.",
        (Lang::En, CourseNotesSaved) => "Saved in this browser as you type.",
        (Lang::Ko, CourseDiagramLive) => "실습과 연결됨",
        (Lang::En, CourseDiagramLive) => "following the lab",
        (Lang::Ko, CourseDiagramOpen) => "이 그림의 실습 열기",
        (Lang::En, CourseDiagramOpen) => "Open this diagram's lab",
        (Lang::Ko, CourseQuiz) => "확인 문제",
        (Lang::En, CourseQuiz) => "Check yourself",
        (Lang::Ko, CourseMoveUp) => "위로 옮기기:",
        (Lang::En, CourseMoveUp) => "Move up:",
        (Lang::Ko, CourseMoveDown) => "아래로 옮기기:",
        (Lang::En, CourseMoveDown) => "Move down:",
        (Lang::Ko, CourseYourAnswer) => "답",
        (Lang::En, CourseYourAnswer) => "Your answer",
        (Lang::Ko, CourseShowInLab) => "실습에서 확인하기",
        (Lang::En, CourseShowInLab) => "See it in the lab",
        (Lang::Ko, CourseEngineAnswer) => "시뮬레이터가 계산한 답",
        (Lang::En, CourseEngineAnswer) => "The simulator's answer",
        (Lang::Ko, CourseRight) => "정답입니다.",
        (Lang::En, CourseRight) => "Right.",
        (Lang::Ko, CourseWrong) => "틀렸습니다.",
        (Lang::En, CourseWrong) => "Not quite.",
        (Lang::Ko, CourseSavedRight) => "지난번에 맞혔습니다.",
        (Lang::En, CourseSavedRight) => "You answered this right before.",
        (Lang::Ko, CourseSavedWrong) => "지난번에 틀렸습니다.",
        (Lang::En, CourseSavedWrong) => "You answered this wrong before.",
        (Lang::Ko, CourseRetry) => "다시 풀기",
        (Lang::En, CourseRetry) => "Try again",
        (Lang::Ko, CourseCheck) => "정답 확인",
        (Lang::En, CourseCheck) => "Check",
        (Lang::Ko, CourseContents) => "세션 목차",
        (Lang::En, CourseContents) => "Session contents",
        (Lang::Ko, CourseProgress) => "진도",
        (Lang::En, CourseProgress) => "Progress",
        (Lang::Ko, CourseCorrect) => "정답",
        (Lang::En, CourseCorrect) => "Correct",
        (Lang::Ko, CourseAnswered) => "푼 문제",
        (Lang::En, CourseAnswered) => "Answered",
        (Lang::Ko, CourseMinutes) => "분",
        (Lang::En, CourseMinutes) => "min",
        (Lang::Ko, CourseFreeLab) => "자유 실습",
        (Lang::En, CourseFreeLab) => "Free lab",
        (Lang::Ko, CourseReset) => "진도 초기화",
        (Lang::En, CourseReset) => "Reset progress",
        (Lang::Ko, CourseTimeBudget) => "예상 시간",
        (Lang::En, CourseTimeBudget) => "Time budget",
        (Lang::Ko, CourseObjectives) => "학습 목표",
        (Lang::En, CourseObjectives) => "Learning objectives",
        (Lang::Ko, CourseReferences) => "참고 자료",
        (Lang::En, CourseReferences) => "References",
        (Lang::Ko, CourseNextSession) => "다음 세션",
        (Lang::En, CourseNextSession) => "Next session",
        (Lang::Ko, CoursePager) => "이전·다음 절",
        (Lang::En, CoursePager) => "Previous and next section",
    }
}
